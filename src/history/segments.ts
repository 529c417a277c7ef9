import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { RollupRow } from './accumulator.js';
import { ceilTo, floorTo, PERIOD_MS, type Resolution } from './resolutions.js';
import type { Watermarks } from './watermarks.js';

export type Source = 'raw' | Resolution;

/** A time range read from one source: raw samples, or rollups of one resolution. */
export interface Segment {
  source: Source;
  from: number;
  to: number;
}

const LEVELS: readonly Source[] = ['raw', 'm', 'h', 'd'];

/**
 * Splits [from, to) into the fewest rows to read: whole rolled-up periods of the coarsest resolution
 * (at most `coarsest`), finer ones at the edges, and raw samples where nothing is rolled up yet, so the
 * newest minutes are never missing. Each time belongs to exactly one segment: nothing counts twice.
 */
export function planSegments(
  from: number,
  to: number,
  marks: Watermarks,
  coarsest: Resolution = 'd',
): Segment[] {
  const out: Segment[] = [];
  const cover = (a: number, b: number, level: number): void => {
    if (a >= b) return;
    const source = LEVELS[level];
    if (source === undefined || source === 'raw') {
      out.push({ source: 'raw', from: a, to: b });
      return;
    }
    const period = PERIOD_MS[source];
    const rolled = marks[source];
    const lo = ceilTo(a, period);
    const hi = rolled === undefined ? lo : Math.min(floorTo(b, period), rolled);
    if (lo >= hi) {
      cover(a, b, level - 1);
      return;
    }
    cover(a, lo, level - 1);
    out.push({ source, from: lo, to: hi });
    cover(hi, b, level - 1);
  };
  cover(from, to, LEVELS.indexOf(coarsest));
  return out;
}

type StoredRollup = Pick<
  RollupRow,
  'start' | 'count' | 'failures' | 'warnings' | 'latency_sum' | 'latency_max' | 'sketch'
>;

/** Reads one check's rows of every segment, in time order within each segment. */
export async function readSegments(
  db: Kysely<Database>,
  checkId: string,
  segments: readonly Segment[],
  visit: {
    sample(at: number, outcome: string, latencyMs: number): void;
    rollup(start: number, row: StoredRollup): void;
  },
): Promise<void> {
  for (const segment of segments) {
    if (segment.source === 'raw') {
      const samples = await db
        .selectFrom('check_samples')
        .select(['at', 'outcome', 'latency_ms'])
        .where('check_id', '=', checkId)
        .where('at', '>=', segment.from)
        .where('at', '<', segment.to)
        .orderBy('at')
        .execute();
      for (const s of samples) visit.sample(Number(s.at), s.outcome, Number(s.latency_ms));
    } else {
      const rollups = await db
        .selectFrom('check_rollups')
        .select(['start', 'count', 'failures', 'warnings', 'latency_sum', 'latency_max', 'sketch'])
        .where('check_id', '=', checkId)
        .where('resolution', '=', segment.source)
        .where('start', '>=', segment.from)
        .where('start', '<', segment.to)
        .orderBy('start')
        .execute();
      for (const r of rollups) visit.rollup(Number(r.start), r);
    }
  }
}
