import type { JobKind } from '../jobs/kinds.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { applyRetention, type HistoryRetention, type RetentionReport } from './retention.js';
import { type RollupReport, rollUp } from './rollup.js';

export const HISTORY_MAINTENANCE_KIND = 'history.maintain';
/** Every minute: a minute's rollup is then at most settle + 1 minute behind, and each run is small. */
export const HISTORY_MAINTENANCE_EVERY_MS = 60_000;

export interface HistoryMaintenanceDeps {
  store: Store;
  clock: Clock;
  retention?: HistoryRetention;
  settleMs?: number;
}

export interface HistoryMaintenanceResult {
  rolled: RollupReport;
  deleted: RetentionReport;
}

/**
 * Rolls up what has closed, then applies retention. Retention runs even when the rollup failed: it never
 * deletes what is not rolled up, and storage must stay bounded while a rollup problem is looked into.
 */
export async function runHistoryMaintenance(
  deps: HistoryMaintenanceDeps,
  signal?: AbortSignal,
): Promise<HistoryMaintenanceResult> {
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
 * The stores this process maintains, bound when a node defines the schedule. Job handlers receive no
 * store, so the kind finds its dependencies here; a process with several nodes (tests) maintains each
 * store once, which is idempotent.
 */
const bound = new Set<HistoryMaintenanceDeps>();

export const historyMaintenanceJob: JobKind<null> = {
  kind: HISTORY_MAINTENANCE_KIND,
  // The next scheduled run is the retry; failed attempts are still kept for `dayshift jobs` to show.
  retry: { maxAttempts: 2, baseMs: 15_000, maxMs: 60_000 },
  timeoutMs: 10 * 60_000,
  concurrency: { perProcess: 1 },
  async handler(ctx) {
    const seen = new Set<string>();
    const results: Record<string, HistoryMaintenanceResult> = {};
    for (const deps of bound) {
      if (seen.has(deps.store.description)) continue;
      seen.add(deps.store.description);
      results[deps.store.description] = await runHistoryMaintenance(deps, ctx.signal);
    }
    if (seen.size === 0)
      ctx.logger.warn('history maintenance ran on a node that has not bound a store; nothing done');
    return results;
  },
};

/**
 * Binds this node's store to the maintenance job and defines its schedule (once per store, however many
 * nodes share it). Returns the function that unbinds it when the node stops.
 */
export async function scheduleHistoryMaintenance(
  scheduler: Scheduler,
  deps: HistoryMaintenanceDeps,
): Promise<() => void> {
  bound.add(deps);
  await scheduler.define(HISTORY_MAINTENANCE_KIND, {
    every: HISTORY_MAINTENANCE_EVERY_MS,
    kind: HISTORY_MAINTENANCE_KIND,
  });
  return () => {
    bound.delete(deps);
  };
}
