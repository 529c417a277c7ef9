import { z } from 'zod';
import { formatDuration } from '../../schema/duration.js';
import { span } from '../../schema/values.js';
import { DEFAULTS } from '../defaults.js';

/**
 * A retention shorter than two of its periods would delete a period as soon as it closes, before the
 * next resolution could read it (raw samples feed minutes, minutes feed hours, hours feed days).
 */
const kept = (fallback: string, period: number, what: string) =>
  span()
    .prefault(fallback)
    .refine((ms) => ms >= 2 * period, {
      message: `expected at least ${formatDuration(2 * period)}: ${what} must outlive the period that reads them`,
    });

/** How long check history is kept; storage per check is bounded by these, not by uptime. */
export const historySchema = z
  .strictObject({
    raw: kept(DEFAULTS.history.raw, 60_000, 'raw samples').describe('raw samples (48h)'),
    minute: kept(DEFAULTS.history.minute, 60_000, 'minute rollups').describe('per-minute rollups (48h)'),
    hour: kept(DEFAULTS.history.hour, 3_600_000, 'hour rollups').describe('per-hour rollups (14d)'),
    day: kept(DEFAULTS.history.day, 86_400_000, 'day rollups').describe('per-day rollups (400d)'),
    runs: span(3_600_000)
      .prefault(DEFAULTS.history.runs)
      .describe('finished runs of runbooks and service actions, with their steps and evidence (90d)'),
  })
  .prefault({})
  .describe(
    'how long history is kept: check samples, then minute, hour and day rollups; runs of runbooks and service actions',
  );

export type HistoryConfig = z.output<typeof historySchema>;
