import { setTimeout as sleep } from 'node:timers/promises';
import { DayshiftError } from '../../errors.js';
import type { JobKind } from '../kinds.js';

export interface SelftestPayload {
  /** How many progress steps to report. */
  steps?: number;
  /** How long each step takes. */
  stepMs?: number;
  /** Fail this many first attempts on purpose, to watch retries and backoff happen. */
  failAttempts?: number;
}

/**
 * A job that proves the workers of a deployment run end to end: it reports progress, can fail on
 * purpose to show retries, and finishes. `dayshift jobs selftest` and `POST /api/v1/jobs` start it.
 */
export const selftestJob: JobKind<SelftestPayload> = {
  kind: 'selftest',
  retry: { maxAttempts: 3, baseMs: 1_000, maxMs: 5_000 },
  timeoutMs: 10 * 60_000,
  async handler(ctx) {
    const steps = clamp(ctx.job.payload?.steps ?? 5, 0, 10_000);
    const stepMs = clamp(ctx.job.payload?.stepMs ?? 500, 0, 60_000);
    const failAttempts = clamp(ctx.job.payload?.failAttempts ?? 0, 0, 100);
    for (let step = 1; step <= steps; step++) {
      await sleep(stepMs, undefined, { signal: ctx.signal });
      await ctx.progress({ step, of: steps });
    }
    if (ctx.job.attempts <= failAttempts) {
      throw new DayshiftError(
        'JOB_FAILED',
        `selftest: planned failure on attempt ${ctx.job.attempts} of ${failAttempts}`,
        { hint: 'failAttempts in the payload asks for it; the job is retried with backoff' },
      );
    }
    return { steps, attempts: ctx.job.attempts };
  },
};

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
