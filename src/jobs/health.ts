import type { Store } from '../store/index.js';
import { emptyCounts, type JobStatus, type QueueHealth } from './types.js';

/** The most recent starts the wait percentiles are computed over; enough for a stable p95. */
const WAIT_SAMPLE_LIMIT = 5_000;

/** Counts per state and kind, the oldest waiting job, and wait percentiles over a recent window. */
export async function queueHealth(store: Store, now: number, windowMs: number): Promise<QueueHealth> {
  const { db } = store;
  const grouped = await db
    .selectFrom('jobs')
    .select(['kind', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['kind', 'status'])
    .execute();
  const counts = emptyCounts();
  const byKindMap = new Map<string, Record<JobStatus, number>>();
  for (const row of grouped) {
    const status = row.status as JobStatus;
    const n = Number(row.n);
    counts[status] += n;
    const kindCounts = byKindMap.get(row.kind) ?? emptyCounts();
    kindCounts[status] += n;
    byKindMap.set(row.kind, kindCounts);
  }

  const oldest = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('oldest'))
    .where('status', '=', 'queued')
    .where('run_at', '<=', now)
    .executeTakeFirst();
  const oldestRunAt = oldest?.oldest === null || oldest?.oldest === undefined ? null : Number(oldest.oldest);

  const started = await db
    .selectFrom('jobs')
    .select(['started_at', 'run_at', 'created_at'])
    .where('started_at', '>=', now - windowMs)
    .orderBy('started_at', 'desc')
    .limit(WAIT_SAMPLE_LIMIT)
    .execute();
  const waits = started
    .map((r) => Number(r.started_at) - Math.max(Number(r.run_at), Number(r.created_at)))
    .map((w) => Math.max(0, w))
    .sort((a, b) => a - b);

  return {
    counts,
    oldestQueuedAgeMs: oldestRunAt === null ? null : Math.max(0, now - oldestRunAt),
    waitP50Ms: percentile(waits, 0.5),
    waitP95Ms: percentile(waits, 0.95),
    windowMs,
    byKind: [...byKindMap.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, c]) => ({ kind, counts: c })),
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? null;
}
