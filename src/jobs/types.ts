import { DayshiftError } from '../errors.js';

/**
 * Glossary of the durable job queue.
 *
 * - job: one unit of work in the store (a backup, a drill, a notification delivery), run by a handler
 *   of its kind on whichever node claims it.
 * - claim: a worker takes due queued jobs and holds them under a lease.
 * - lease: the time a worker may hold a job without renewing; when it expires (the worker died) the job
 *   goes back to the queue, or fails if its attempts are used up.
 * - attempt: one run of a job's handler; counted when claimed.
 * - unique key: no second job with the same key while one is queued or running.
 * - concurrency key: jobs sharing it run at most `perKey` at a time across every node.
 * - schedule: a recurring definition (interval or cron) that queues one job per due time.
 */

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

/** A job as read from the store. Times are epoch milliseconds. */
export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  status: JobStatus;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  uniqueKey: string | null;
  concurrencyKey: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  result: unknown;
  progress: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export type JobEventType =
  | 'started'
  | 'progress'
  | 'retry'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'released';

/** Something that happened to a job; persisted so any process can stream it. `seq` orders them. */
export interface JobEvent {
  jobId: number;
  seq: number;
  at: number;
  type: JobEventType;
  data: unknown;
}

/** Runbook 003's queue health snapshot, for Dayshift's own queue. */
export interface QueueHealth {
  counts: Record<JobStatus, number>;
  /** Age of the oldest job that is due and still waiting; null when none waits. */
  oldestQueuedAgeMs: number | null;
  /** Wait between due and start, over the jobs started in the last `windowMs`. */
  waitP50Ms: number | null;
  waitP95Ms: number | null;
  windowMs: number;
  byKind: Array<{ kind: string; counts: Record<JobStatus, number> }>;
}

export interface EnqueueOptions {
  uniqueKey?: string;
  /** Higher runs first. */
  priority?: number;
  /** Epoch milliseconds; default now. */
  runAt?: number;
  maxAttempts?: number;
  concurrencyKey?: string;
}

export function emptyCounts(): Record<JobStatus, number> {
  return { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
}

/** Parses `failed,cancelled` into statuses; an unknown one is a BAD_REQUEST that lists the valid ones. */
export function parseJobStatuses(raw: string): JobStatus[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const part of parts) {
    if (!(JOB_STATUSES as readonly string[]).includes(part)) {
      throw new DayshiftError('BAD_REQUEST', `unknown job status "${part}"`, {
        hint: `use ${JOB_STATUSES.join(', ')}`,
      });
    }
  }
  return parts as JobStatus[];
}
