import type { FeatureSchedule } from '../features/types.js';
import type { JobKind } from '../jobs/kinds.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { applyRetention, type HistoryRetention, type RetentionReport } from './retention.js';
import { type RollupReport, rollUp } from './rollup.js';

export const HISTORY_COMPACTION_KIND = 'history.compact';
/** Every minute: a minute's rollup is then at most settle + 1 minute behind, and each run is small. */
export const HISTORY_COMPACTION_EVERY_MS = 60_000;

export interface HistoryCompactionDeps {
  store: Store;
  clock: Clock;
  retention?: HistoryRetention;
  settleMs?: number;
}

export interface HistoryCompactionResult {
  rolled: RollupReport;
  deleted: RetentionReport;
}

/**
 * Rolls up what has closed, then applies retention. Retention runs even when the rollup failed: it never
 * deletes what is not rolled up, and storage must stay bounded while a rollup problem is looked into.
 */
export async function runHistoryCompaction(
  deps: HistoryCompactionDeps,
  signal?: AbortSignal,
): Promise<HistoryCompactionResult> {
  const { db } = deps.store;
  let rolled: RollupReport | undefined;
  let failure: unknown;
  try {
    rolled = await rollUp(db, { clock: deps.clock, settleMs: deps.settleMs, signal });
  } catch (error) {
    failure = error;
  }
  const deleted = await applyRetention(db, { clock: deps.clock, retention: deps.retention, signal });
  if (failure !== undefined || rolled === undefined) throw failure;
  return { rolled, deleted };
}

/**
 * The job that compacts the history in this node's store. Every node runs it and the schedule is shared, so each
 * minute one node, whichever claims it, rolls up and prunes the store they share.
 */
export function historyCompactionJobKind(deps: HistoryCompactionDeps): JobKind<null> {
  return {
    kind: HISTORY_COMPACTION_KIND,
    // The next scheduled run is the retry; failed attempts are still kept for `dayshift jobs` to show.
    retry: { maxAttempts: 2, baseMs: 15_000, maxMs: 60_000 },
    timeoutMs: 10 * 60_000,
    concurrency: { perProcess: 1 },
    async handler(ctx) {
      // Keyed by store, as the job's result has always been.
      return { [deps.store.description]: await runHistoryCompaction(deps, ctx.signal) };
    },
  };
}

/** The schedule of the compaction job: one row, whichever nodes define it. */
export const historyCompactionSchedule: FeatureSchedule = {
  name: HISTORY_COMPACTION_KIND,
  every: HISTORY_COMPACTION_EVERY_MS,
  kind: HISTORY_COMPACTION_KIND,
};
