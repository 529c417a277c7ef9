import { DayshiftError } from '../errors.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import type { RunEvent } from '../runbooks/engine.js';
import { RunRecorder } from '../runs/recorder.js';
import { DEPLOY_TIMEOUT_MS, type DeployRequest, type Deploys } from './deploys.js';

export const DEPLOY_JOB_KIND = 'deploy.run';

/** A deploy opened elsewhere (an API request), carried out by whichever node claims it. */
interface DeployPayload {
  runId: number;
  request: DeployRequest;
}

/** A deploy with its rollback may take its run's timeout; the job gives it a minute more to record its end. */
const JOB_TIMEOUT_MS = DEPLOY_TIMEOUT_MS + 60_000;

/**
 * The job that carries out a deploy or rollback opened through the API. It is never retried: a
 * deploy acts on a service, and acting twice is not what anyone asked. When the node carrying it dies,
 * its lease runs out and `ended` (on whichever node notices) closes the run as interrupted and leaves
 * the service on a recorded release.
 */
export function deployJobKind(
  source: () => Deploys,
  options: { signal: AbortSignal; onEvent?: (runId: number, event: RunEvent) => void },
): JobKind<DeployPayload> {
  return {
    kind: DEPLOY_JOB_KIND,
    retry: { maxAttempts: 1 },
    timeoutMs: JOB_TIMEOUT_MS,
    concurrency: { perProcess: 4 },
    handler: async ({ job, signal }) => {
      const deploys = source();
      const { runId, request } = job.payload;
      if (!(await deploys.runs.adopt(runId, job.id)))
        return { runId, skipped: 'the run was no longer running' };
      const end = await deploys.execute(runId, request, {
        signal: AbortSignal.any([signal, options.signal]),
        onEvent: options.onEvent ? (event) => options.onEvent?.(runId, event) : undefined,
      });
      return { runId, status: end.status, detail: end.detail };
    },
    ended: async (job) => {
      await source().interrupt(
        job.payload.runId,
        'the node carrying this deploy stopped before it finished; its job was not retried',
      );
    },
  };
}

/** Opens a deploy now and queues its job: the caller answers with the run's id at once. */
export async function queueDeploy(
  deploys: Deploys,
  queue: JobQueue,
  request: DeployRequest,
  trigger: string,
): Promise<{ runId: number; jobId: number }> {
  const runId = await deploys.open(request, trigger);
  try {
    const job = await queue.enqueue(DEPLOY_JOB_KIND, { runId, request } satisfies DeployPayload);
    if (!job) throw new DayshiftError('INTERNAL', `the deploy run ${runId} could not be queued`);
    return { runId, jobId: job.id };
  } catch (error) {
    // A run no job will carry out is closed now, with why.
    await RunRecorder.attach(deploys.runs, deploys.env.clock, runId, 0).fail(error);
    throw error;
  }
}
