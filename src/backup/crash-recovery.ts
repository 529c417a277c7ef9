import { holderGone, type RunHolder } from '../runs/holder.js';
import { RunRecorder } from '../runs/recorder.js';
import type { BackupRunResult, Backups } from './backups.js';
import { totalBytes } from './backups.js';

/** The kinds of run the backup service records; each is settled here when its process stopped. */
export const BACKUP_RUN_KINDS = ['backup', 'drill', 'verify', 'restore'] as const;

/**
 * Why a run is being settled: its job was retried, its job's last attempt was killed, or (a run no
 * job holds, such as a CLI's) the process holding it is gone.
 */
export type StopCause = 'retried' | 'last-attempt' | RunHolder;

const WHAT: Record<string, string> = {
  backup: 'backup',
  drill: 'drill',
  verify: 'verification',
  restore: 'restore',
};

/** The `interrupted: ...` reason a settled run records. */
export function interruptedReason(kind: string, cause: StopCause): string {
  const what = WHAT[kind] ?? kind;
  const why =
    cause === 'retried'
      ? `the process running this ${what} stopped before it finished; the job was retried`
      : cause === 'last-attempt'
        ? `the process running this ${what} stopped before it finished, in the last attempt its job had`
        : `the process running this ${what} (pid ${cause.pid} on ${cause.host}) stopped before it finished`;
  // A restore writes into its target as it reads: what it left there is neither the old data nor the snapshot.
  const after =
    kind === 'restore'
      ? '; the restore target may be partly written: check it, or restore into it again with --force'
      : '';
  return `interrupted: ${why}${after}`;
}

/**
 * Settles one run of the backup service whose process stopped. A backup run goes through
 * settleAttempt (a committed snapshot is adopted); a drill, verification or restore has no committed
 * artefact to adopt and is closed as failed, interrupted. A run that is not running is left as it is.
 */
export async function settleRun(backups: Backups, runId: number, cause: StopCause): Promise<SettledAttempt> {
  const run = await backups.env.runs.get(runId);
  if (!run || !(BACKUP_RUN_KINDS as readonly string[]).includes(run.kind)) return { outcome: 'none' };
  const reason = interruptedReason(run.kind, cause);
  if (run.kind === 'backup' && backups.names().includes(run.name))
    return settleAttempt(backups, run.name, runId, reason);
  if (run.status !== 'running') return { outcome: 'none' };
  return (await backups.env.runs.interrupt(runId, reason)) ? { outcome: 'interrupted' } : { outcome: 'none' };
}

/**
 * Settles the runs no job holds (a `dayshift backup ...` in a terminal) whose process is gone: it ran
 * on this host and its pid is no longer that process. Runs held on other hosts are left alone, since
 * this host cannot see their processes; runs a job holds are settled through their job. `name`
 * narrows it to one backup's runs. Returns the runs settled.
 */
export async function settleOrphanedRuns(
  backups: Backups,
  filter: { name?: string } = {},
): Promise<Array<{ runId: number; kind: string; name: string; outcome: SettledAttempt['outcome'] }>> {
  const settled = [];
  for (const run of await backups.env.runs.running({ kinds: BACKUP_RUN_KINDS, name: filter.name })) {
    if (run.job !== null || !run.holder || !holderGone(run.holder)) continue;
    const { outcome } = await settleRun(backups, run.id, run.holder);
    if (outcome !== 'none') settled.push({ runId: run.id, kind: run.kind, name: run.name, outcome });
  }
  return settled;
}

/** A killed attempt that had done its work: its run, and the snapshot it committed. */
export interface SucceededAttempt {
  runId: number;
  snapshot: string;
  removed: string[];
}

/**
 * What settling found: the attempt had succeeded (`result`), its run was closed as interrupted, or
 * there was nothing to settle (its run had failed, or is not a run of this backup).
 */
export type SettledAttempt =
  | { outcome: 'succeeded'; result: SucceededAttempt }
  | { outcome: 'interrupted' }
  | { outcome: 'none' };

/**
 * Settles the run of a backup attempt whose process stopped (killed, or its lease ran out) from what
 * the repository holds, so a run record and the snapshots agree after a crash:
 *
 * - a run already recorded as succeeded (killed after the record, before its job completed) stands;
 * - a running run whose snapshot was committed (the snapshot carries its run id) is completed as
 *   succeeded with that snapshot, so the retry takes no second one;
 * - a running run with no committed snapshot is closed as failed with `reason`.
 *
 * Only `succeeded` means the attempt's work is done; otherwise a new backup is needed.
 */
export async function settleAttempt(
  backups: Backups,
  name: string,
  runId: number,
  reason: string,
): Promise<SettledAttempt> {
  const runs = backups.env.runs;
  const run = await runs.get(runId);
  if (run?.kind !== 'backup' || run.name !== name) return { outcome: 'none' };
  if (run.status === 'succeeded') {
    const summary = (run.summary ?? {}) as { snapshot?: unknown; removed?: unknown };
    if (typeof summary.snapshot !== 'string') return { outcome: 'none' };
    const removed = Array.isArray(summary.removed) ? (summary.removed as string[]) : [];
    return { outcome: 'succeeded', result: { runId, snapshot: summary.snapshot, removed } };
  }
  if (run.status !== 'running') return { outcome: 'none' };
  const committed = (await backups.list(name)).find((s) => s.run === runId);
  if (!committed)
    return (await runs.interrupt(runId, reason)) ? { outcome: 'interrupted' } : { outcome: 'none' };
  const result = await completeRecovered(backups, name, run.steps.length, {
    runId,
    snapshot: committed,
    removed: [],
  });
  return { outcome: 'succeeded', result: { runId, snapshot: committed.id, removed: result.removed } };
}

/** Records the snapshot a killed attempt committed, applies `keep:` as the attempt would have, and closes its run. */
async function completeRecovered(
  backups: Backups,
  name: string,
  steps: number,
  found: BackupRunResult,
): Promise<BackupRunResult> {
  const { runId, snapshot } = found;
  const recorder = RunRecorder.attach(backups.env.runs, backups.clock, runId, steps);
  const repository = backups.repositoryOf(name);
  try {
    await recorder.record({
      name: 'recovered',
      kind: 'recover',
      outcome: 'pass',
      startedAt: backups.clock.now(),
      result: {
        snapshot: snapshot.id,
        note: 'the process stopped after the snapshot was committed; found it committed and kept it',
      },
    });
    let removed: string[] = [];
    if (backups.configOf(name).keep)
      removed = await recorder.step(
        'retention',
        'prune',
        async () => (await backups.prune(name)).removed,
        (r) => ({ removed: r }),
      );
    await recorder.finish('succeeded', {
      snapshot: snapshot.id,
      repository: repository.description,
      bytes: totalBytes(snapshot),
      durationMs: snapshot.durationMs,
      removed,
      recovered: true,
    });
    return { runId, snapshot, removed };
  } catch (error) {
    await recorder.fail(error);
    throw error;
  }
}
