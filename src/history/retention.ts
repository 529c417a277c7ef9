import type { Kysely } from 'kysely';
import { DEFAULTS } from '../config/defaults.js';
import { parseDuration } from '../schema/duration.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { PERIOD_MS, type Resolution } from './resolutions.js';
import { readWatermarks } from './watermarks.js';

/** How long raw samples and each resolution's rollups are kept, in milliseconds. */
export interface HistoryRetention {
  raw: number;
  minute: number;
  hour: number;
  day: number;
}

const ms = (text: string): number => parseDuration(text) ?? Number.NaN;

export const DEFAULT_RETENTION: Readonly<HistoryRetention> = Object.freeze({
  raw: ms(DEFAULTS.history.raw),
  minute: ms(DEFAULTS.history.minute),
  hour: ms(DEFAULTS.history.hour),
  day: ms(DEFAULTS.history.day),
});

export const RETENTION_KEY: Readonly<Record<Resolution, keyof HistoryRetention>> = {
  m: 'minute',
  h: 'hour',
  d: 'day',
};

export interface RetentionOptions {
  clock: Clock;
  retention?: HistoryRetention;
  signal?: AbortSignal;
  /** Rows one delete statement aims at, so SQLite's write lock is never held for long. */
  chunkRows?: number;
}

export interface RetentionReport {
  raw: number;
  m: number;
  h: number;
  d: number;
}

/**
 * Deletes raw samples and rollups older than their retention, so each check's storage is bounded by
 * the configuration, not by how long Dayshift has run. Nothing the next resolution has not rolled up
 * yet is deleted: a stalled rollup keeps its source rows rather than losing their history.
 */
export async function applyRetention(
  db: Kysely<Database>,
  options: RetentionOptions,
): Promise<RetentionReport> {
  const retention = options.retention ?? DEFAULT_RETENTION;
  const now = options.clock.now();
  const marks = await readWatermarks(db);
  const guard = (next: Resolution | undefined) =>
    next === undefined ? Number.POSITIVE_INFINITY : (marks[next] ?? Number.NEGATIVE_INFINITY);
  const chunkRows = options.chunkRows ?? 5_000;
  return {
    raw: await deleteOlder(db, 'raw', Math.min(now - retention.raw, guard('m')), chunkRows, options.signal),
    m: await deleteOlder(db, 'm', Math.min(now - retention.minute, guard('h')), chunkRows, options.signal),
    h: await deleteOlder(db, 'h', Math.min(now - retention.hour, guard('d')), chunkRows, options.signal),
    d: await deleteOlder(db, 'd', now - retention.day, chunkRows, options.signal),
  };
}

/**
 * Deletes `source` rows older than `cutoff`, oldest first, a slice of time per statement. The slice
 * adapts to how many rows the last one removed, so each statement deletes about `chunkRows` whatever the
 * sample rate; the write lock is released between statements for the samples being written meanwhile.
 */
async function deleteOlder(
  db: Kysely<Database>,
  source: 'raw' | Resolution,
  cutoff: number,
  chunkRows: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  // A rollup period cannot be split; a raw slice can be as thin as one millisecond.
  const minSlice = source === 'raw' ? 1 : PERIOD_MS[source];
  let total = 0;
  // No watermark yet for the next resolution: nothing is rolled up, so nothing may go.
  if (!Number.isFinite(cutoff)) return total;
  let slice: number | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const oldest = await oldestBefore(db, source, cutoff);
    if (oldest === undefined) return total;
    // The first slice comes from the rate in a probe window, so neither 2,000 samples a second nor
    // one a minute takes many statements to find its size.
    slice ??= await firstSlice(db, source, oldest, minSlice, chunkRows);
    const upTo = Math.min(cutoff, oldest + slice);
    const result =
      source === 'raw'
        ? await db.deleteFrom('check_samples').where('at', '<', upTo).executeTakeFirst()
        : await db
            .deleteFrom('check_rollups')
            .where('resolution', '=', source)
            .where('start', '<', upTo)
            .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (upTo >= cutoff) return total;
    const scaled = deleted > 0 ? (slice * chunkRows) / deleted : slice * 4;
    slice = Math.max(minSlice, Math.min(slice * 4, Math.floor(scaled)));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function firstSlice(
  db: Kysely<Database>,
  source: 'raw' | Resolution,
  oldest: number,
  minSlice: number,
  chunkRows: number,
): Promise<number> {
  const probe = source === 'raw' ? 60_000 : 60 * PERIOD_MS[source];
  const row =
    source === 'raw'
      ? await db
          .selectFrom('check_samples')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('at', '>=', oldest)
          .where('at', '<', oldest + probe)
          .executeTakeFirst()
      : await db
          .selectFrom('check_rollups')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('resolution', '=', source)
          .where('start', '>=', oldest)
          .where('start', '<', oldest + probe)
          .executeTakeFirst();
  const n = Math.max(1, Number(row?.n ?? 0));
  return Math.max(minSlice, Math.floor((probe * chunkRows) / n));
}

async function oldestBefore(
  db: Kysely<Database>,
  source: 'raw' | Resolution,
  cutoff: number,
): Promise<number | undefined> {
  const row =
    source === 'raw'
      ? await db
          .selectFrom('check_samples')
          .select((eb) => eb.fn.min('at').as('oldest'))
          .where('at', '<', cutoff)
          .executeTakeFirst()
      : await db
          .selectFrom('check_rollups')
          .select((eb) => eb.fn.min('start').as('oldest'))
          .where('resolution', '=', source)
          .where('start', '<', cutoff)
          .executeTakeFirst();
  return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest);
}
