import { coerceError } from '../errors.js';
import type { JobClaims } from './claims.js';
import type { Job } from './types.js';

/** A run as the batcher sees it: its job, and whether its outcome was already settled elsewhere. */
export interface SettleableRun {
  job: Job;
  settled: boolean;
}

/**
 * Handlers that finish together are recorded together: one transaction marks the whole batch completed
 * and writes its events. Concurrent callers share the flush in progress instead of starting another.
 */
export class CompletionBatcher {
  readonly #claims: JobClaims;
  readonly #onCompleted: (job: Job, result: unknown) => void;
  readonly #onError: (error: Error) => void;
  readonly #pending: Array<{ run: SettleableRun; result: unknown }> = [];
  #flushing: Promise<void> | undefined;

  constructor(
    claims: JobClaims,
    events: { completed(job: Job, result: unknown): void; error(error: Error): void },
  ) {
    this.#claims = claims;
    this.#onCompleted = events.completed;
    this.#onError = events.error;
  }

  /** Queues a finished run and returns once it is recorded. */
  async add(run: SettleableRun, result: unknown): Promise<void> {
    this.#pending.push({ run, result });
    await this.flush();
  }

  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      if (this.#flushing) {
        await this.#flushing;
        continue;
      }
      const batch = this.#pending.splice(0);
      this.#flushing = this.#record(batch);
      await this.#flushing;
      this.#flushing = undefined;
    }
  }

  async #record(batch: Array<{ run: SettleableRun; result: unknown }>): Promise<void> {
    try {
      const live = batch.filter((c) => !c.run.settled);
      for (const c of live) c.run.settled = true;
      const completed = new Set(
        await this.#claims.complete(live.map((c) => ({ id: c.run.job.id, result: c.result }))),
      );
      for (const c of live) if (completed.has(c.run.job.id)) this.#onCompleted(c.run.job, c.result);
    } catch (error) {
      this.#onError(coerceError(error));
    }
  }
}
