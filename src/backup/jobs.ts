import type { FeatureSchedule } from '../features/types.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Job } from '../jobs/types.js';
import type { Logger } from '../log/logger.js';
import type { JobAttempt } from '../runs/recorder.js';
import type { Backups } from './backups.js';
import { BACKUP_RUN_KINDS, type SucceededAttempt, settleOrphanedRuns, settleRun } from './crash-recovery.js';
import { runDrill } from './drill.js';
import { restoreBackup } from './restore.js';

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

/** This attempt of a job holds the run it opens: its id goes into the job's progress at once. */
function attemptOf(job: Job, progress: (data: Record<string, unknown>) => Promise<void>): JobAttempt {
  return { job: job.id, started: (runId) => progress({ runId }) };
}

/**
 * An earlier attempt of this job that was killed (its lease ran out) left its run marked running, or
 * (a backup) had finished its work before its job could complete. Settles that run; returns what a
 * backup's attempt had committed, when it had.
 */
async function settleEarlier(
  backups: Backups,
  job: Job,
  logger: Logger,
): Promise<SucceededAttempt | undefined> {
  const earlier = attemptRunOf(job);
  if (earlier === undefined) return undefined;
  const settled = await settleRun(backups, earlier, 'retried');
  if (settled.outcome === 'succeeded') {
    logger.warn(
      { job: job.id, run: earlier, snapshot: settled.result.snapshot },
      'the interrupted attempt had stored its snapshot; the job completes with it',
    );
    return settled.result;
  }
  if (settled.outcome === 'interrupted')
    logger.warn({ job: job.id, run: earlier }, 'closed the run of an interrupted attempt');
  return undefined;
}

/**
 * The job kinds that take, drill, verify and restore backups. Each attempt records the run it opens
 * in its job's progress. An attempt cut off by a crash is claimed again when its lease runs out: the
 * retry settles the killed attempt's run first (see settleRun), and a backup completes without a
 * second snapshot when that attempt had committed one. When the killed attempt was the last, `ended`
 * settles its run.
 */
export function backupJobKinds(backups: Backups): JobKind[] {
  // The last attempt was killed: no retry will settle its run, so this does.
  const ended = async (job: Job): Promise<void> => {
    const runId = attemptRunOf(job);
    if (runId !== undefined) await settleRun(backups, runId, 'last-attempt');
  };
  const run: JobKind<BackupPayload> = {
    kind: BACKUP_RUN_KIND,
    retry: { maxAttempts: 3, baseMs: 60_000, maxMs: 900_000 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal, progress, logger }) => {
      const done = await settleEarlier(backups, job, logger);
      if (done) return done;
      const result = await backups.run(job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        signal,
        attempt: attemptOf(job, progress),
      });
      return { snapshot: result.snapshot.id, runId: result.runId, removed: result.removed };
    },
    ended,
  };
  const drill: JobKind<BackupPayload> = {
    kind: BACKUP_DRILL_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal, progress, logger }) => {
      await settleEarlier(backups, job, logger);
      const report = await runDrill(backups, job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        signal,
        attempt: attemptOf(job, progress),
      });
      // A failed drill is evidence, recorded as a run; it is not retried until the next schedule.
      return { ok: report.ok, runId: report.runId, rtoMs: report.rtoMs, failures: report.failures };
    },
    ended,
  };
  const verify: JobKind<BackupPayload> = {
    kind: BACKUP_VERIFY_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, progress, logger }) => {
      await settleEarlier(backups, job, logger);
      const result = await backups.verify(job.payload.backup, {
        trigger: job.payload.trigger ?? 'schedule',
        attempt: attemptOf(job, progress),
      });
      return { ok: result.ok, runId: result.runId };
    },
    ended,
  };
  const restore: JobKind<RestorePayload> = {
    kind: BACKUP_RESTORE_KIND,
    // A restore is not repeated by itself: what it replaced may have changed in between.
    retry: { maxAttempts: 1 },
    timeoutMs: 6 * 3_600_000,
    concurrency: { perProcess: 1 },
    handler: async ({ job, signal, progress, logger }) => {
      await settleEarlier(backups, job, logger);
      const { backup, snapshot, to, force, trigger } = job.payload;
      const result = await restoreBackup(backups, backup, {
        snapshot,
        to,
        force,
        trigger: trigger ?? 'api',
        signal,
        attempt: attemptOf(job, progress),
      });
      return {
        runId: result.runId,
        snapshot: result.snapshot.id,
        target: result.target,
        bytes: result.bytes,
        safetySnapshot: result.safetySnapshot ?? null,
      };
    },
    ended,
  };
  return [run, drill, verify, restore] as JobKind[];
}

const BACKUP_JOB_KINDS = [BACKUP_RUN_KIND, BACKUP_DRILL_KIND, BACKUP_VERIFY_KIND, BACKUP_RESTORE_KIND];

/**
 * Settles, when a node starts, the runs of the backup service left `running` by a process that
 * stopped: those of backup, drill, verify and restore jobs that ended while their run was open (a node
 * was killed between failing a job whose last attempt's lease ran out and settling that attempt's
 * run, or a job was cancelled while its run was open), and those no job holds (a CLI's) whose process
 * on this host is gone. Returns how many it settled.
 */
export async function settleStoppedBackupRuns(
  queue: JobQueue,
  backups: Backups,
  logger?: Logger,
): Promise<number> {
  const open = await backups.env.runs.running({ kinds: BACKUP_RUN_KINDS });
  if (open.length === 0) return 0;
  let settled = 0;
  const held = new Set(open.map((r) => r.id));
  for (const kind of BACKUP_JOB_KINDS)
    for (const job of await queue.list({ kind, status: ['failed', 'cancelled'], limit: 500 })) {
      const runId = attemptRunOf(job);
      if (runId === undefined || !held.has(runId)) continue;
      if ((await settleRun(backups, runId, 'last-attempt')).outcome !== 'none') settled++;
    }
  const orphans = await settleOrphanedRuns(backups);
  settled += orphans.length;
  if (settled)
    logger?.warn(
      { runs: settled },
      'settled the runs of backups, drills, verifications and restores that stopped while open',
    );
  return settled;
}

/** A schedule for every backup, drill and verification that has one in the stack file. */
export function backupSchedules(backups: Backups): FeatureSchedule[] {
  const schedules: FeatureSchedule[] = [];
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
      schedules.push({
        name: `${plan.kind}:${name}`,
        kind: plan.kind,
        cron: plan.cron,
        timezone: plan.timezone,
        payload: { backup: name },
      });
    }
  }
  return schedules;
}
