import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Job } from '../jobs/types.js';
import type { Logger } from '../log/logger.js';
import type { Backups } from './backups.js';
import { settleAttempt } from './crash-recovery.js';
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
const ABANDONED =
  'interrupted: the process running this backup stopped before it finished, in the last attempt its job had';

interface BackupPayload {
  backup: string;
  /** Recorded on the run: `schedule` unless the job was queued otherwise (`api`). */
  trigger?: string;
}

/** The run a backup job's latest attempt recorded, as its progress keeps it. */
function attemptRunOf(job: Job): number | undefined {
  const runId = (job.progress as { runId?: unknown } | null)?.runId;
  return typeof runId === 'number' ? runId : undefined;
}

/**
 * The job kinds that take, drill and verify backups on their schedules. A backup cut off by a crash
 * is claimed again when its lease runs out: the retry settles the killed attempt's run first (see
 * settleAttempt), and completes without a second snapshot when that attempt had committed one.
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
      const name = job.payload.backup;
      // An earlier attempt that was killed (its lease ran out) left its run marked running, or had
      // finished its work before its job could complete.
      const earlier = attemptRunOf(job);
      if (earlier !== undefined) {
        const settled = await settleAttempt(backups, name, earlier, INTERRUPTED);
        if (settled.outcome === 'succeeded') {
          logger.warn(
            { backup: name, run: earlier, snapshot: settled.result.snapshot },
            'the interrupted attempt had stored its snapshot; the job completes with it',
          );
          return settled.result;
        }
        if (settled.outcome === 'interrupted')
          logger.warn({ backup: name, run: earlier }, 'closed the run of an interrupted attempt');
      }
      const result = await backups.run(job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        signal,
        onStarted: (runId) => progress({ runId }),
      });
      return { snapshot: result.snapshot.id, runId: result.runId, removed: result.removed };
    },
    // The last attempt was killed: no retry will settle its run, so this does.
    ended: async (job) => {
      const runId = attemptRunOf(job);
      if (runId !== undefined) await settleAttempt(need(), job.payload.backup, runId, ABANDONED);
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

/**
 * Settles the runs of backup jobs that ended while their run was still marked running: a node was
 * killed between failing a job whose last attempt's lease ran out and settling that attempt's run, or
 * a job was cancelled while its attempt's run was open. Run when a node starts.
 */
export async function settleEndedBackupJobs(
  queue: JobQueue,
  backups: Backups,
  logger?: Logger,
): Promise<number> {
  const open = new Set(
    (await backups.env.runs.list({ kinds: ['backup'], limit: 500 }))
      .filter((r) => r.status === 'running')
      .map((r) => r.id),
  );
  if (open.size === 0) return 0;
  let settled = 0;
  const ended = await queue.list({ kind: BACKUP_RUN_KIND, status: ['failed', 'cancelled'], limit: 500 });
  for (const job of ended) {
    const runId = attemptRunOf(job);
    const name = (job.payload as Partial<BackupPayload> | null)?.backup;
    if (
      runId === undefined ||
      !open.has(runId) ||
      typeof name !== 'string' ||
      !backups.names().includes(name)
    )
      continue;
    if ((await settleAttempt(backups, name, runId, ABANDONED)).outcome !== 'none') settled++;
  }
  if (settled)
    logger?.warn({ runs: settled }, 'settled the runs of backup jobs that ended while they were open');
  return settled;
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
