import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { jsonSchema } from '../../src/config/schema.js';
import { DEFAULT_RETENTION } from '../../src/history/retention.js';
import { type Case, itReportsEach, v1 } from './broken-case.js';
import { scratch } from './fixtures.js';

const tmp = scratch('history');
afterAll(tmp.cleanup);

const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('the history section', () => {
  it('defaults to 48h of raw samples and minutes, 14d of hours, 400d of days and 90d of runs', () => {
    const { config } = loadConfigOrThrow(tmp.write('default.yaml', v1), { env: {} });
    expect(config.history).toEqual({
      raw: 48 * HOUR,
      minute: 48 * HOUR,
      hour: 14 * DAY,
      day: 400 * DAY,
      runs: 90 * DAY,
    });
    expect(config.history).toEqual({ ...DEFAULT_RETENTION, runs: 90 * DAY });
  });

  it('takes each retention as a duration, the others keeping their defaults', () => {
    const file = tmp.write('custom.yaml', `${v1}history:\n  raw: 6h\n  day: 730d\n`);
    const { config } = loadConfigOrThrow(file, { env: {} });
    expect(config.history).toEqual({
      raw: 6 * HOUR,
      minute: 48 * HOUR,
      hour: 14 * DAY,
      day: 730 * DAY,
      runs: 90 * DAY,
    });
  });

  it('is in the JSON Schema', () => {
    const properties = jsonSchema().properties as Record<string, { properties?: object }>;
    expect(Object.keys(properties.history?.properties ?? {})).toEqual([
      'raw',
      'minute',
      'hour',
      'day',
      'runs',
    ]);
  });
});

describe('a broken history section', () => {
  const cases: Case[] = [
    {
      name: 'minute retention shorter than two minutes',
      yaml: `${v1}history:\n  minute: 90s\n`,
      at: '3:11 history.minute',
      message: 'expected at least 2m: minute rollups must outlive the period that reads them',
    },
    {
      name: 'hour retention shorter than two hours',
      yaml: `${v1}history:\n  hour: 1h\n`,
      at: '3:9 history.hour',
      message: 'expected at least 2h',
    },
    {
      name: 'day retention shorter than two days',
      yaml: `${v1}history:\n  day: 36h\n`,
      at: '3:8 history.day',
      message: 'expected at least 2d',
    },
    {
      name: 'not a duration',
      yaml: `${v1}history:\n  raw: forever\n`,
      at: '3:8 history.raw',
      message: 'expected a duration',
    },
    {
      name: 'unknown key',
      yaml: `${v1}history:\n  minutes: 48h\n`,
      at: '3:3 history.minutes',
      message: 'unknown key `minutes`',
      hint: 'did you mean `minute`?',
    },
  ];
  itReportsEach(cases);
});
