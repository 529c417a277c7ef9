import type { Logger } from '../log/logger.js';
import type { Job } from './types.js';

/** Retry policy of a job kind. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before the first retry; doubles with each attempt. */
  baseMs: number;
  maxMs: number;
  /** Extra random delay, as a fraction of the delay, so retries of many jobs do not fall together. */
  jitter: number;
}

/** What a node can run: a name, how to retry, how long a run may take, and the handler. */
export interface JobKind<P = unknown> {
  kind: string;
  retry?: Partial<RetryPolicy>;
  /** A run longer than this is aborted and counts as a failed attempt. */
  timeoutMs?: number;
  concurrency?: {
    /** Jobs of this kind one process runs at once. */
    perProcess?: number;
    /** Jobs of this kind sharing a concurrency key that run at once across all nodes (default 1). */
    perKey?: number;
  };
  handler(ctx: JobContext<P>): Promise<unknown>;
  /**
   * Called once a job has failed for good without its handler finishing: its last attempt's lease ran
   * out (the node running it was killed). Closes what the handler would have closed (its run record);
   * no retry will. Runs on whichever node recovered the job; must be idempotent.
   */
  ended?(job: Job & { payload: P }): Promise<void>;
}

export interface JobContext<P> {
  job: Job & { payload: P };
  /** Aborts on timeout, on cancel, and when the node shuts down past its deadline. */
  signal: AbortSignal;
  /** Records progress: persisted as an event and streamed to whoever watches the job. */
  progress(data: Record<string, unknown>): Promise<void>;
  logger: Logger;
}

/**
 * Every default of the queue in one place. Retries mirror runbook 003's outbox: 5 attempts,
 * 60 s base, 3600 s maximum, 900 s processing timeout.
 */
export const JOB_DEFAULTS = {
  retry: { maxAttempts: 5, baseMs: 60_000, maxMs: 3_600_000, jitter: 0.1 } satisfies RetryPolicy,
  timeoutMs: 900_000,
  perKey: 1,
  leaseMs: 30_000,
  pollMs: 100,
  concurrency: 4,
  claimBatch: 100,
  completedRetentionMs: 7 * 24 * 3_600_000,
  healthWindowMs: 15 * 60_000,
} as const;

export function retryPolicyOf(kind: JobKind | undefined): RetryPolicy {
  return { ...JOB_DEFAULTS.retry, ...kind?.retry };
}

/**
 * Exponential backoff with jitter: base × 2^(attempt−1), capped at max, plus up to `jitter` of itself
 * (still capped). `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(policy.maxMs, Math.round(exponential * (1 + random() * policy.jitter)));
}
