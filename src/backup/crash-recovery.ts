import type { BackupRunResult, Backups } from './backups.js';
import { totalBytes } from './backups.js';
import { RunRecorder } from './run-recorder.js';

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
  const recorder = RunRecorder.resume(backups.env.runs, backups.clock, runId, steps);
  const repository = backups.repositoryOf(name);
  try {
    await recorder.record(undefined, 'recovered', 'recover', 'pass', backups.clock.now(), {
      snapshot: snapshot.id,
      note: 'the process stopped after the snapshot was committed; found it committed and kept it',
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
