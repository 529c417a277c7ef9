import { type Kysely, sql } from 'kysely';
import { DayshiftError } from '../errors.js';
import { formatDuration } from '../schema/duration.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { Accumulator } from './accumulator.js';
import { floorTo, PERIOD_MS, RESOLUTION_NAMES, RESOLUTIONS, type Resolution } from './resolutions.js';
import { DEFAULT_RETENTION, type HistoryRetention, RETENTION_KEY } from './retention.js';
import { planSegments, readSegments } from './segments.js';
import { readWatermarks } from './watermarks.js';

/** The most buckets one series request returns: a chart is a few hundred pixels wide. */
export const MAX_SERIES_BUCKETS = 1_000;
/** Check ids per `in (...)` list. */
const IDS_PER_QUERY = 1_000;

export interface SeriesBucket {
  start: number;
  count: number;
  failures: number;
  warnings: number;
  /** Percentage of samples that did not fail (warn counts as up); null without samples. */
  uptime: number | null;
  avgMs: number | null;
  maxMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface HistorySeries {
  checkId: string;
  /** The window actually covered: `from` aligned down to the resolution read, then whole steps. */
  from: number;
  to: number;
  step: number;
  /** The coarsest resolution read; finer ones and raw samples fill what is not rolled up yet. */
  resolution: Resolution;
  buckets: SeriesBucket[];
}

export interface SeriesContext {
  clock: Clock;
  retention?: HistoryRetention;
}

/**
 * One check's history in buckets of `step` over [from, to). Reads the coarsest resolution whose period
 * divides the step and whose retention still reaches `from`.
 */
export async function historySeries(
  db: Kysely<Database>,
  checkId: string,
  request: { from: number; to: number; step: number },
  context: SeriesContext,
): Promise<HistorySeries> {
  const { from, to, step } = request;
  validateWindow(from, to);
  if (!Number.isInteger(step) || step < 60_000 || step % 60_000 !== 0) {
    throw new DayshiftError(
      'BAD_REQUEST',
      `step ${step} ms is not a whole number of minutes of at least 1m`,
      {
        hint: 'use a step such as 1m, 5m, 1h or 1d (in milliseconds: 60000, 300000, 3600000, 86400000)',
      },
    );
  }
  const resolution = chooseResolution(from, step, context);
  const start = floorTo(from, PERIOD_MS[resolution]);
  const count = Math.ceil((to - start) / step);
  if (count > MAX_SERIES_BUCKETS) {
    throw new DayshiftError(
      'BAD_REQUEST',
      `a window of ${formatDuration(to - start)} at ${formatDuration(step)} steps is ${count} buckets, more than ${MAX_SERIES_BUCKETS}`,
      {
        hint: `use a step of at least ${formatDuration(Math.ceil((to - start) / MAX_SERIES_BUCKETS / 60_000) * 60_000)}, or a shorter window`,
      },
    );
  }
  const end = start + count * step;
  const accs: (Accumulator | undefined)[] = new Array(count);
  const bucket = (time: number): Accumulator => {
    const index = Math.floor((time - start) / step);
    const acc = accs[index] ?? new Accumulator();
    accs[index] = acc;
    return acc;
  };
  const segments = planSegments(start, end, await readWatermarks(db), resolution);
  await readSegments(db, checkId, segments, {
    sample: (at, outcome, latency) => bucket(at).addSample(outcome, latency),
    rollup: (at, row) => bucket(at).addRollup(row),
  });
  const buckets: SeriesBucket[] = [];
  for (let i = 0; i < count; i++) buckets.push(toBucket(start + i * step, accs[i]));
  return { checkId, from: start, to: end, step, resolution, buckets };
}

function chooseResolution(from: number, step: number, context: SeriesContext): Resolution {
  const retention = context.retention ?? DEFAULT_RETENTION;
  const now = context.clock.now();
  const dividing = [...RESOLUTIONS].reverse().filter((r) => step % PERIOD_MS[r] === 0);
  const reaching = dividing.find((r) => from >= now - retention[RETENTION_KEY[r]]);
  if (reaching) return reaching;
  const kept = dividing.map(
    (r) => `${RESOLUTION_NAMES[r]} history is kept ${formatDuration(retention[RETENTION_KEY[r]])}`,
  );
  throw new DayshiftError(
    'BAD_REQUEST',
    `history at ${formatDuration(step)} steps does not reach back to ${new Date(from).toISOString()}: ${kept.join(', ')}`,
    {
      hint: 'start the window later, or use a step that is a whole number of hours or days, which are kept longer',
    },
  );
}

function toBucket(start: number, acc: Accumulator | undefined): SeriesBucket {
  if (!acc || acc.count === 0) {
    return {
      start,
      count: 0,
      failures: 0,
      warnings: 0,
      uptime: null,
      avgMs: null,
      maxMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    };
  }
  return {
    start,
    count: acc.count,
    failures: acc.failures,
    warnings: acc.warnings,
    uptime: uptimeOf(acc.count, acc.failures),
    avgMs: acc.latencySum / acc.count,
    maxMs: acc.latencyMax,
    ...quantilesOf(acc),
  };
}

export interface CheckUptime {
  checkId: string;
  count: number;
  failures: number;
  /** Percentage of samples that did not fail (warn counts as up); null without samples. */
  uptime: number | null;
}

/**
 * Uptime of each check over [from, to), from rollups where they are final and raw samples elsewhere.
 * `'all'` returns every check with samples in the window; a list returns exactly those checks.
 */
export async function uptime(
  db: Kysely<Database>,
  checks: readonly string[] | 'all',
  from: number,
  to: number,
): Promise<CheckUptime[]> {
  validateWindow(from, to);
  const totals = new Map<string, { count: number; failures: number }>();
  if (checks !== 'all') for (const id of checks) totals.set(id, { count: 0, failures: 0 });
  const idGroups: (readonly string[] | undefined)[] = [];
  if (checks === 'all') idGroups.push(undefined);
  else
    for (let i = 0; i < checks.length; i += IDS_PER_QUERY) idGroups.push(checks.slice(i, i + IDS_PER_QUERY));
  for (const segment of planSegments(from, to, await readWatermarks(db))) {
    for (const ids of idGroups) {
      const rows =
        segment.source === 'raw'
          ? await db
              .selectFrom('check_samples')
              .select((eb) => [
                'check_id',
                eb.fn.countAll().as('n'),
                sql<number>`sum(case when outcome = 'fail' then 1 else 0 end)`.as('f'),
              ])
              .where('at', '>=', segment.from)
              .where('at', '<', segment.to)
              .$if(ids !== undefined, (q) => q.where('check_id', 'in', ids ?? []))
              .groupBy('check_id')
              .execute()
          : await db
              .selectFrom('check_rollups')
              .select((eb) => ['check_id', eb.fn.sum('count').as('n'), eb.fn.sum('failures').as('f')])
              .where('resolution', '=', segment.source)
              .where('start', '>=', segment.from)
              .where('start', '<', segment.to)
              .$if(ids !== undefined, (q) => q.where('check_id', 'in', ids ?? []))
              .groupBy('check_id')
              .execute();
      for (const row of rows) {
        const total = totals.get(row.check_id) ?? { count: 0, failures: 0 };
        total.count += Number(row.n);
        total.failures += Number(row.f);
        totals.set(row.check_id, total);
      }
    }
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([checkId, t]) => ({ checkId, ...t, uptime: uptimeOf(t.count, t.failures) }));
}

export interface LatencyQuantiles {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** p50, p95 and p99 latency of one check over [from, to), within the sketch's 2 %. */
export async function latencyQuantiles(
  db: Kysely<Database>,
  checkId: string,
  from: number,
  to: number,
): Promise<LatencyQuantiles> {
  validateWindow(from, to);
  const acc = new Accumulator();
  await readSegments(db, checkId, planSegments(from, to, await readWatermarks(db)), {
    sample: (_at, outcome, latency) => acc.addSample(outcome, latency),
    rollup: (_at, row) => acc.addRollup(row),
  });
  return { count: acc.count, ...quantilesOf(acc) };
}

function quantilesOf(acc: Accumulator): { p50Ms: number | null; p95Ms: number | null; p99Ms: number | null } {
  return {
    p50Ms: acc.sketch.quantile(0.5) ?? null,
    p95Ms: acc.sketch.quantile(0.95) ?? null,
    p99Ms: acc.sketch.quantile(0.99) ?? null,
  };
}

function uptimeOf(count: number, failures: number): number | null {
  return count === 0 ? null : ((count - failures) / count) * 100;
}

function validateWindow(from: number, to: number): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) {
    throw new DayshiftError('BAD_REQUEST', `the window from ${from} to ${to} is not a time range`, {
      hint: 'give from and to as epoch milliseconds, from before to',
    });
  }
}
