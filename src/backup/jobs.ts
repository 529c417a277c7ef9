import type { JobKind } from '../jobs/kinds.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log/logger.js';
import type { Backups } from './backups.js';
import { runDrill } from './drill.js';

export const BACKUP_RUN_KIND = 'backup.run';
export const BACKUP_DRILL_KIND = 'backup.drill';
export const BACKUP_VERIFY_KIND = 'backup.verify';
export const BACKUP_RESTORE_KIND = 'backup.restore';

interface RestorePayload extends BackupPayload {
  snapshot: string;
  /** Another database or path; absent restores over the original. */
  to?: string;
  force?: boolean;
}

const INTERRUPTED =
  'interrupted: the process running this backup stopped before it finished; the job was retried';

interface BackupPayload {
  backup: string;
  /** Recorded on the run: `schedule` unless the job was queued otherwise (`api`). */
  trigger?: string;
}

/**
 * The job kinds that take, drill and verify backups on their schedules. A backup cut off by a crash
 * leaves no snapshot listed and its job is claimed again when its lease runs out: the retry.
 */
export function backupJobKinds(backups: Backups | undefined): JobKind[] {
  const need = (): Backups => {
    if (!backups) throw new Error('this node was started without a stack file, so it has no backups');
    return backups;
  };
  const run: JobKind<BackupPayload> = {
    kind: BACKUP_RUN_KIND,
    retry: { maxAttempts: 3, baseMs: 60_000, maxMs: 900_000 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal, progress, logger }) => {
      const backups = need();
      // An earlier attempt that was killed (its lease ran out) left its run marked running: close it.
      const earlier = (job.progress as { runId?: unknown } | null)?.runId;
      if (typeof earlier === 'number' && (await backups.env.runs.interrupt(earlier, INTERRUPTED)))
        logger.warn({ backup: job.payload.backup, run: earlier }, 'closed the run of an interrupted attempt');
      const result = await backups.run(job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        signal,
        onStarted: (runId) => progress({ runId }),
      });
      return { snapshot: result.snapshot.id, runId: result.runId, removed: result.removed };
    },
  };
  const drill: JobKind<BackupPayload> = {
    kind: BACKUP_DRILL_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal }) => {
      const report = await runDrill(need(), job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        signal,
      });
      // A failed drill is evidence, recorded as a run; it is not retried until the next schedule.
      return { ok: report.ok, runId: report.runId, rtoMs: report.rtoMs, failures: report.failures };
    },
  };
  const verify: JobKind<BackupPayload> = {
    kind: BACKUP_VERIFY_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job }) => {
      const result = await need().verify(job.payload.backup, { trigger: job.payload.trigger ?? 'schedule' });
      return { ok: result.ok, runId: result.runId };
    },
  };
  const restore: JobKind<RestorePayload> = {
    kind: BACKUP_RESTORE_KIND,
    // A restore is not repeated by itself: what it replaced may have changed in between.
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal }) => {
      const { backup, snapshot, to, force, trigger } = job.payload;
      const result = await need().restore(backup, { snapshot, to, force, trigger: trigger ?? 'api', signal });
      return {
        runId: result.runId,
        snapshot: result.snapshot.id,
        target: result.target,
        bytes: result.bytes,
        safetySnapshot: result.safetySnapshot ?? null,
      };
    },
  };
  return [run, drill, verify, restore] as JobKind[];
}

/** Defines a schedule for every backup, drill and verification that has one in the stack file. */
export async function scheduleBackups(
  scheduler: Scheduler,
  backups: Backups,
  logger?: Logger,
): Promise<number> {
  let defined = 0;
  for (const name of backups.names()) {
    const backup = backups.configOf(name);
    const timezone = backup.timezone;
    const plans = [
      { kind: BACKUP_RUN_KIND, cron: backup.schedule, timezone },
      { kind: BACKUP_DRILL_KIND, cron: backup.drill?.schedule, timezone: backup.drill?.timezone ?? timezone },
      { kind: BACKUP_VERIFY_KIND, cron: backup.verify?.schedule, timezone },
    ];
    for (const plan of plans) {
      if (!plan.cron) continue;
      await scheduler.define(`${plan.kind}:${name}`, {
        kind: plan.kind,
        cron: plan.cron,
        timezone: plan.timezone,
        payload: { backup: name },
      });
      defined++;
    }
  }
  if (defined) logger?.info({ schedules: defined }, 'backups scheduled');
  return defined;
}
