import { afterEach, describe, expect, it } from 'vitest';
import { formatTime, relativeTime } from '../../src/cli/table.js';
import { textLine } from '../../src/log/text-lines.js';
import { describeDuration } from '../../src/schema/duration.js';
import { colorsOn } from '../../src/util/terminal.js';

describe('describeDuration', () => {
  it.each([
    [0, '0s'],
    [3.4, '3ms'],
    [250, '250ms'],
    [999.6, '1s'],
    [1_300, '1.3s'],
    [9_999, '10s'],
    [42_400, '42s'],
    [59_600, '1m'],
    [252_000, '4m12s'],
    [3_599_700, '1h'],
    [5_400_000, '1h30m'],
    [90_000_000, '25h'],
    [93_600_000, '26h'],
    [172_800_000, '2d'],
    [270_000_000, '3d3h'],
    [1_209_600_000, '14d'],
    [-5_000, '-5s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(describeDuration(ms)).toBe(text);
  });
});

describe('relative times', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it.each([
    [now - 2_000, 'just now'],
    [now - 12_000, '12s ago'],
    [now - 180_000, '3 min ago'],
    [now - 5 * 3_600_000, '5h ago'],
    [now - 3 * 86_400_000, '3d ago'],
    [now + 120_000, 'in 2 min'],
    [now - 40 * 86_400_000, undefined],
  ])('%d reads %s', (at, text) => {
    expect(relativeTime(at, now)).toBe(text);
  });

  it('are relative only when asked (a terminal); otherwise, and when old, ISO 8601', () => {
    expect(formatTime(now - 180_000, { now, relative: true })).toBe('3 min ago');
    expect(formatTime(now - 180_000, { now, relative: false })).toBe('2026-01-10T11:57:00Z');
    expect(formatTime(now - 40 * 86_400_000, { now, relative: true })).toBe('2025-12-01T12:00:00Z');
    expect(formatTime(null, { relative: true })).toBe('-');
  });
});

describe('colour', () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('is on for a terminal, off in a pipe, forced by FORCE_COLOR, and off under NO_COLOR whatever else', () => {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    expect(colorsOn({ isTTY: true })).toBe(true);
    expect(colorsOn({ isTTY: false })).toBe(false);
    process.env.FORCE_COLOR = '1';
    expect(colorsOn({ isTTY: false })).toBe(true);
    process.env.FORCE_COLOR = '0';
    expect(colorsOn({ isTTY: true })).toBe(true);
    expect(colorsOn({ isTTY: false })).toBe(false);
    process.env.FORCE_COLOR = '1';
    process.env.NO_COLOR = '1';
    expect(colorsOn({ isTTY: true })).toBe(false);
  });
});

describe('a log record as a readable line', () => {
  it('has the time, the level, the message and the fields; an error its stack, indented', () => {
    const record = {
      level: 'error',
      time: '2026-01-10T12:00:01.123Z',
      name: 'dayshift',
      msg: 'stop failed',
      reason: 'SIGTERM',
      detail: 'two words',
      err: { message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' },
    };
    expect(textLine(JSON.stringify(record), false)).toBe(
      '12:00:01 error stop failed reason=SIGTERM detail="two words" error=boom\n    Error: boom\n        at x (y.js:1:1)\n',
    );
    expect(textLine('not json', false)).toBe('not json');
  });
});
