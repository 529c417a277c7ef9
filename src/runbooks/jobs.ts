import { DayshiftError } from '../errors.js';
import type { FeatureSchedule } from '../features/types.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import { RunRecorder } from '../runs/recorder.js';
import type { ParamValue } from '../steps/types.js';
import type { RunEvent } from './engine.js';
import type { Runbooks } from './runbooks.js';

export const RUNBOOK_JOB_KIND = 'runbook.run';
export const RUNBOOK_SCHEDULE_KIND = 'runbook.scheduled';
export const RUNS_PRUNE_KIND = 'runs.prune';

/** The runs `history.runs` keeps for a while and then deletes: those of runbooks and service actions. */
export const PRUNED_RUN_KINDS = ['runbook', 'service'] as const;

/**
 * Deletes the finished runs of runbooks and service actions older than `history.runs`, with their
 * steps and evidence, a thousand at a time, every hour. Backup, drill and restore runs are kept: a
 * snapshot's evidence and the backup alerts read them.
 */
export function runsPruneJobKind(source: () => Runbooks): JobKind {
  return {
    kind: RUNS_PRUNE_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: 600_000,
    handler: async () => {
      const runbooks = source();
      const before = runbooks.env.clock.now() - runbooks.env.config.history.runs;
      let removed = 0;
      for (;;) {
        const n = await runbooks.runs.prune(PRUNED_RUN_KINDS, before);
        removed += n;
        if (n < 1_000) return { removed };
      }
    },
  };
}

export const runsPruneSchedule: FeatureSchedule = {
  name: RUNS_PRUNE_KIND,
  every: 3_600_000,
  kind: RUNS_PRUNE_KIND,
};

/** A run opened elsewhere (an API request, an alert), carried out by whichever node claims it. */
interface RunPayload {
  runId: number;
  runbook: string;
  params: Record<string, ParamValue>;
}

/** A schedule's turn: the run is opened when the job runs, under the runbook's limits. */
interface SchedulePayload {
  runbook: string;
  params?: Record<string, ParamValue>;
}

/** Why a scheduled turn opens no run and is not a failure: the runbook's own limits said no. */
const SKIPPED_TURN: ReadonlySet<string> = new Set(['RUNBOOK_BUSY', 'RUNBOOK_RATE_LIMITED']);

/** A whole run may take its runbook's timeout; the job gives it this much more to record its end. */
const JOB_GRACE_MS = 60_000;

/**
 * The job kinds that carry out runbook runs. A run is never retried: its steps act on services, and
 * acting twice is not what anyone asked. When the node carrying a run dies, its job's lease runs out
 * and `ended` (on whichever node notices) closes the run as interrupted.
 */
export function runbookJobKinds(
  source: () => Runbooks,
  options: {
    signal: AbortSignal;
    onEvent?: (runId: number, event: RunEvent) => void;
    longestMs: () => number;
  },
): JobKind[] {
  const execute = async (
    runbooks: Runbooks,
    recorder: RunRecorder,
    plan: Parameters<Runbooks['execute']>[1],
    signal: AbortSignal,
  ) =>
    runbooks.execute(recorder, plan, {
      signal: AbortSignal.any([signal, options.signal]),
      onEvent: options.onEvent ? (event) => options.onEvent?.(recorder.runId, event) : undefined,
    });
  const run: JobKind<RunPayload> = {
    kind: RUNBOOK_JOB_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: options.longestMs() + JOB_GRACE_MS,
    concurrency: { perProcess: 8 },
    handler: async ({ job, signal }) => {
      const runbooks = source();
      const { runId, runbook, params } = job.payload;
      // The request that opened the run may have been another node's; this process holds it now.
      if (!(await runbooks.runs.adopt(runId, job.id)))
        return { runId, skipped: 'the run was no longer running' };
      const recorder = RunRecorder.attach(runbooks.runs, runbooks.env.clock, runId, 0);
      let definition: ReturnType<Runbooks['definition']>;
      try {
        definition = runbooks.definition(runbook);
      } catch (error) {
        await recorder.fail(error);
        throw error;
      }
      const end = await execute(runbooks, recorder, { runbook, definition, params }, signal);
      return { runId, status: end.status, detail: end.detail };
    },
    ended: async (job) => {
      await source().interrupt(
        job.payload.runId,
        'the node carrying this run stopped before it finished; its job was not retried',
      );
    },
  };
  const scheduled: JobKind<SchedulePayload> = {
    kind: RUNBOOK_SCHEDULE_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: options.longestMs() + JOB_GRACE_MS,
    concurrency: { perProcess: 8 },
    handler: async ({ job, signal, progress, logger }) => {
      const runbooks = source();
      let opened: Awaited<ReturnType<Runbooks['open']>>;
      try {
        opened = await runbooks.open(job.payload.runbook, job.payload.params ?? {}, 'schedule');
      } catch (error) {
        // A turn that finds the last run still going, or the hour's runs used, is skipped, not failed.
        if (error instanceof DayshiftError && SKIPPED_TURN.has(error.code)) {
          logger.warn({ runbook: job.payload.runbook }, `scheduled run skipped: ${error.message}`);
          return { skipped: error.message };
        }
        throw error;
      }
      const { recorder, plan } = opened;
      await progress({ runId: recorder.runId });
      await runbooks.runs.adopt(recorder.runId, job.id);
      const end = await execute(runbooks, recorder, plan, signal);
      return { runId: recorder.runId, status: end.status, detail: end.detail };
    },
    ended: async (job) => {
      const runId = (job.progress as { runId?: number } | null)?.runId;
      if (typeof runId === 'number')
        await source().runs.interrupt(
          runId,
          'interrupted: the node carrying this run stopped before it finished',
          {
            waiting: true,
          },
        );
    },
  };
  return [run, scheduled];
}

/** Each runbook's `on: { schedule }`, as the node's scheduler defines them. */
export function runbookSchedules(runbooks: Runbooks): FeatureSchedule[] {
  const out: FeatureSchedule[] = [];
  for (const name of runbooks.names())
    (runbooks.definition(name).on ?? []).forEach((trigger, i) => {
      if (!('schedule' in trigger)) return;
      out.push({
        name: `runbook:${name}:${i}`,
        kind: RUNBOOK_SCHEDULE_KIND,
        cron: trigger.schedule,
        payload: { runbook: name, params: trigger.params ?? {} },
      });
    });
  return out;
}

/** Opens a run now and queues its job: the caller answers with the run's id at once. */
export async function startQueued(
  runbooks: Runbooks,
  queue: JobQueue,
  name: string,
  params: Readonly<Record<string, unknown>>,
  trigger: string,
): Promise<{ runId: number; jobId: number }> {
  const { recorder, plan } = await runbooks.open(name, params, trigger);
  try {
    const job = await queue.enqueue(RUNBOOK_JOB_KIND, {
      runId: recorder.runId,
      runbook: name,
      params: plan.params,
    } satisfies RunPayload);
    if (!job) throw new DayshiftError('INTERNAL', `the run ${recorder.runId} of ${name} could not be queued`);
    return { runId: recorder.runId, jobId: job.id };
  } catch (error) {
    // A run no job will carry out is closed now, with why.
    await recorder.fail(error);
    throw error;
  }
}
