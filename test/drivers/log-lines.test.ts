/**
 * Log lines of the Docker drivers: several replicas' lines read as one story in time order, `since`
 * taken from Docker's timestamps (Compose v1 has no --since), the bound on bytes, and the Engine's
 * multiplexed stream.
 */
import { describe, expect, it } from 'vitest';
import { demultiplex, LOG_BYTES, recentLines } from '../../src/drivers/shared/log-lines.js';

const NOW = Date.parse('2026-12-07T12:00:10Z');

describe('recentLines', () => {
  it('orders replicas by time, whatever the length of the fraction, and leaves out unstamped lines', () => {
    const text = [
      'Attaching to shop_worker_1, shop_worker_2',
      'worker_1  | 2026-12-07T12:00:01.5Z second',
      'worker_1  | 2026-12-07T12:00:03Z fourth',
      'worker_2  | 2026-12-07T12:00:01.123456789Z first',
      'worker_2  | 2026-12-07T12:00:02.00001Z third',
    ].join('\n');
    expect(
      recentLines(text, { now: NOW })
        .text.split('\n')
        .map((l) => l.split(' ').at(-1)),
    ).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('keeps the last `tail` lines written within `since`', () => {
    const text = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => `2026-12-07T12:00:0${s}Z line ${s}`).join('\n');
    expect(recentLines(text, { now: NOW, sinceMs: 4_000 }).text).toBe(
      [
        '2026-12-07T12:00:06Z line 6',
        '2026-12-07T12:00:07Z line 7',
        '2026-12-07T12:00:08Z line 8',
        '2026-12-07T12:00:09Z line 9',
      ].join('\n'),
    );
    expect(recentLines(text, { now: NOW, sinceMs: 4_000, tail: 2 }).text).toBe(
      '2026-12-07T12:00:08Z line 8\n2026-12-07T12:00:09Z line 9',
    );
    expect(recentLines(text, { now: NOW, tail: 1 }).text).toBe('2026-12-07T12:00:09Z line 9');
  });

  it('keeps at most LOG_BYTES, the newest, and counts what it left out', () => {
    const long = 'x'.repeat(100 * 1024);
    const text = [1, 2, 3, 4].map((s) => `2026-12-07T12:00:0${s}Z ${long}`).join('\n');
    const logs = recentLines(text, { now: NOW, truncated: 10 });
    expect(Buffer.byteLength(logs.text)).toBeLessThanOrEqual(LOG_BYTES);
    expect(logs.text.split('\n')).toHaveLength(2);
    expect(logs.text.startsWith('2026-12-07T12:00:03Z')).toBe(true);
    expect(logs.truncated).toBe(10 + 2 * (21 + long.length + 1));
  });
});

describe('demultiplex', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };

  it('joins the stdout and stderr frames in the order the Engine sent them', () => {
    const data = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err two\n'), frame(1, 'out three\n')]);
    expect(demultiplex(data)).toBe('out one\nerr two\nout three\n');
  });

  it('gives text that is not framed (a container with a TTY) as it is', () => {
    expect(demultiplex(Buffer.from('2026-12-07T12:00:01Z plain line\n'))).toBe(
      '2026-12-07T12:00:01Z plain line\n',
    );
  });
});
