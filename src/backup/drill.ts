import { type JobAttempt, RunRecorder } from '../runs/recorder.js';
import { describeError } from '../runs/scrubbed.js';
import { describeDuration } from '../schema/duration.js';
import { crashPoint } from '../util/test-crash.js';
import type { Backups } from './backups.js';
import { type AssertionOutcome, type DrillAssertion, runAssertion } from './drill-assertions.js';
import type { Snapshot } from './repositories/types.js';
import { restoreInto } from './restore.js';
import { sourceOf } from './sources/registry.js';
import { SCRATCH_ABANDONED_AFTER_MS } from './sources/shared/scratch-names.js';
import type { RestoreTarget } from './sources/types.js';

/** What a drill proved, or failed to: the evidence kept as the run's summary. */
export interface DrillReport {
  runId: number;
  backup: string;
  ok: boolean;
  snapshot: string | null;
  target: string | null;
  /** Restore plus assertions, wall time. */
  rtoMs: number | null;
  rtoTargetMs: number | null;
  /** Age of the newest good snapshot when the drill began. */
  rpoMs: number | null;
  rpoTargetMs: number | null;
  bytes: number;
  assertions: AssertionOutcome[];
  /** Why it failed, in words: a failed assertion, a missed target, a restore error. */
  failures: string[];
}

/**
 * A restore drill: the newest snapshot is restored into a scratch target (a uniquely named database, a
 * temp directory), the assertions run on it, and the scratch target is disposed of, even when the
 * restore or an assertion fails. RTO is the wall time of restore plus assertions; RPO is the age of
 * the newest snapshot. Missing either target fails the drill, like a failed assertion does.
 */
export async function runDrill(
  backups: Backups,
  name: string,
  options: { trigger: string; signal?: AbortSignal; attempt?: JobAttempt },
): Promise<DrillReport> {
  const backup = backups.configOf(name);
  const drill = backup.drill;
  const clock = backups.clock;
  const recorder = await RunRecorder.start(
    backups.env.runs,
    clock,
    'drill',
    name,
    options.trigger,
    options.attempt,
  );
  const report: DrillReport = {
    runId: recorder.runId,
    backup: name,
    ok: false,
    snapshot: null,
    target: null,
    rtoMs: null,
    rtoTargetMs: drill?.rto ?? null,
    rpoMs: null,
    rpoTargetMs: backup.rpo ?? null,
    bytes: 0,
    assertions: [],
    failures: [],
  };
  const began = clock.now();
  let snapshot: Snapshot | undefined;
  try {
    snapshot = await backups.snapshot(name, 'latest');
  } catch (error) {
    report.failures.push(describeError(error).error);
  }
  if (snapshot) {
    report.snapshot = snapshot.id;
    report.rpoMs = Math.max(0, began - Date.parse(snapshot.createdAt));
    const source = sourceOf(backup.source.kind);
    let target: RestoreTarget | undefined;
    if (source.sweepScratch) {
      // A drill killed mid-restore left its scratch database; the next drill on the server drops it.
      // Recorded when it found something; it never stops the drill.
      const at = clock.now();
      await source.sweepScratch(backup.source.options, drill?.into?.options, SCRATCH_ABANDONED_AFTER_MS).then(
        (dropped) =>
          dropped.length > 0
            ? recorder.record({
                name: 'sweep',
                kind: 'cleanup',
                outcome: 'pass',
                startedAt: at,
                result: { dropped },
              })
            : undefined,
        (error: unknown) =>
          recorder.record({
            name: 'sweep',
            kind: 'cleanup',
            outcome: 'fail',
            startedAt: at,
            result: describeError(error),
          }),
      );
    }
    const started = clock.now();
    try {
      target = await source.scratch(
        backup.source.options,
        drill?.into?.options,
        backups.sourceContext(options.signal),
      );
      report.target = target.description;
      const scratch = target;
      const snap = snapshot;
      report.bytes = await recorder.step(
        'restore',
        backup.source.kind,
        () => restoreInto(backups, name, snap, scratch, { over: false, signal: options.signal }),
        (bytes) => ({ snapshot: snap.id, target: scratch.description, bytes }),
      );
      crashPoint('drill:after-restore');
      for (const assertion of assertionsFor(drill?.assert ?? [], snapshot)) {
        const at = clock.now();
        const outcome = await runAssertion(assertion, target, snapshot, options.signal);
        await recorder.record({
          name: outcome.name,
          kind: outcome.kind,
          outcome: outcome.ok ? 'pass' : 'fail',
          startedAt: at,
          result: outcome.ok ? outcome.detail : { reason: outcome.reason, detail: outcome.detail },
        });
        report.assertions.push(outcome);
        if (!outcome.ok) report.failures.push(`${outcome.name}: ${outcome.reason}`);
      }
      report.rtoMs = clock.now() - started;
    } catch (error) {
      report.failures.push(describeError(error).error);
    } finally {
      if (target) {
        const scratch = target;
        await recorder
          .step(
            'dispose',
            'cleanup',
            () => scratch.dispose(),
            () => ({ target: scratch.description }),
          )
          .catch((error: unknown) => {
            report.failures.push(
              `the scratch target ${scratch.description} was not removed: ${describeError(error).error}`,
            );
          });
      }
    }
  }
  if (report.rtoMs !== null && report.rtoTargetMs !== null && report.rtoMs > report.rtoTargetMs)
    report.failures.push(
      `RTO missed: restore and assertions took ${describeDuration(report.rtoMs)}, the target is ${describeDuration(report.rtoTargetMs)}`,
    );
  if (report.rpoMs !== null && report.rpoTargetMs !== null && report.rpoMs > report.rpoTargetMs)
    report.failures.push(
      `RPO missed: the newest snapshot is ${describeDuration(report.rpoMs)} old, the target is ${describeDuration(report.rpoTargetMs)}`,
    );
  report.ok = report.failures.length === 0;
  await recorder.finish(report.ok ? 'succeeded' : 'failed', { ...report, runId: undefined });
  backups.env.logger?.[report.ok ? 'info' : 'warn'](
    { backup: name, rtoMs: report.rtoMs, failures: report.failures.length },
    report.ok ? 'drill passed' : 'drill failed',
  );
  return report;
}

/**
 * The drill's assertions; with none written, what the snapshot lets Dayshift check by itself: row
 * counts for a database, checksums for files. A drill always proves something beyond "it restored".
 */
function assertionsFor(written: readonly DrillAssertion[], snapshot: Snapshot): DrillAssertion[] {
  if (written.length > 0) return [...written];
  if (snapshot.source.rows) return [{ kind: 'row_counts', options: true }];
  if (snapshot.source.files) return [{ kind: 'checksums', options: true }];
  return [];
}
