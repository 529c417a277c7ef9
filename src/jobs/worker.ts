import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { coerceError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { JobClaims } from './claims.js';
import { CompletionBatcher } from './completions.js';
import { backoffDelay, JOB_DEFAULTS, type JobKind, retryPolicyOf } from './kinds.js';
import type { JobQueue } from './queue.js';
import type { Job } from './types.js';

export interface WorkerOptions {
  nodeId?: string;
  /** Jobs this process runs at once. */
  concurrency?: number;
  leaseMs?: number;
  /** How long an idle worker waits before looking for due jobs again. */
  pollMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** For jitter; tests make it deterministic. */
  random?: () => number;
  completedRetentionMs?: number;
  /** Most jobs taken in one claim; bigger batches mean fewer round trips when jobs are small. */
  claimBatch?: number;
}

/** One job being run by this worker. */
interface Run {
  job: Job;
  controller: AbortController;
  /** Set when the outcome must not be recorded: the job was released, cancelled, or timed out. */
  settled: boolean;
  done: Promise<void>;
}

/**
 * Claims due jobs, runs their handlers, and records the outcome. Background failures are emitted as
 * 'error' events, never thrown. Events: job:start, job:progress, job:complete, job:retry, job:fail.
 */
export class Worker extends EventEmitter {
  readonly #queue: JobQueue;
  readonly #claims: JobClaims;
  readonly #kinds: Map<string, JobKind>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #retentionMs: number;
  readonly #claimBatch: number;
  readonly #active = new Map<number, Run>();
  readonly #completions: CompletionBatcher;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  /** Claims begun so far, so `whenIdle` can tell a claim that began after it was asked. */
  #claimsBegun = 0;
  #timers: NodeJS.Timeout[] = [];
  #lastKeyedClaim = 0;

  constructor(queue: JobQueue, kinds: readonly JobKind[], options: WorkerOptions = {}) {
    super();
    this.#queue = queue;
    this.#claims = new JobClaims(
      queue,
      options.nodeId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    );
    this.#completions = new CompletionBatcher(this.#claims, {
      completed: (job, result) => this.emit('job:complete', job, result),
      error: (error) => this.emit('error', error),
    });
    this.#kinds = new Map(kinds.map((k) => [k.kind, k]));
    this.#clock = options.clock ?? queue.clock;
    this.#logger = options.logger ?? silentLogger();
    this.#random = options.random ?? Math.random;
    this.#concurrency = options.concurrency ?? JOB_DEFAULTS.concurrency;
    this.#leaseMs = options.leaseMs ?? JOB_DEFAULTS.leaseMs;
    this.#pollMs = options.pollMs ?? JOB_DEFAULTS.pollMs;
    this.#retentionMs = options.completedRetentionMs ?? JOB_DEFAULTS.completedRetentionMs;
    this.#claimBatch = options.claimBatch ?? JOB_DEFAULTS.claimBatch;
  }

  get nodeId(): string {
    return this.#claims.owner;
  }

  get running(): number {
    return this.#active.size;
  }

  start(): void {
    if (this.#loop) return;
    const wake = () => this.#wake?.();
    this.#queue.local.on('enqueued', wake);
    this.#timers.push(
      setInterval(() => void this.#background(() => this.#renew()), Math.max(50, this.#leaseMs / 3)),
      setInterval(
        () => void this.#background(() => this.#recoverExpired()),
        Math.max(100, this.#leaseMs / 2),
      ),
      setInterval(
        () => void this.#background(() => this.#claims.deleteFinished(this.#clock.now() - this.#retentionMs)),
        600_000,
      ),
    );
    for (const timer of this.#timers) timer.unref();
    this.#loop = this.#run().finally(() => this.#queue.local.off('enqueued', wake));
  }

  /**
   * Stops claiming at once, waits for running jobs up to `deadlineMs`, then aborts what is left and
   * puts it back in the queue. Nothing is lost: a job is either completed, or queued again. Aborted
   * handlers get up to `abortGraceMs` (5 s) to release what they opened (a dump tool, a connection)
   * while the store is still open.
   */
  async stop(
    options: { deadlineMs?: number; abortGraceMs?: number } = {},
  ): Promise<{ finished: number; released: number }> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    const before = this.#active.size;
    const deadline = new Promise<void>((resolve) =>
      setTimeout(resolve, options.deadlineMs ?? 30_000).unref(),
    );
    await Promise.race([Promise.all([...this.#active.values()].map((r) => r.done)), deadline]);
    const leftover = [...this.#active.values()];
    for (const run of leftover) {
      run.settled = true;
      run.controller.abort(new Error('the node is shutting down'));
    }
    if (leftover.length > 0) {
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(leftover.map((r) => r.done)),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, options.abortGraceMs ?? 5_000);
        }),
      ]);
      clearTimeout(graceTimer);
    }
    let released: number[] = [];
    try {
      released = await this.#claims.release(
        leftover.map((r) => r.job.id),
        'the node shut down before the job finished',
      );
    } catch (error) {
      this.emit('error', coerceError(error));
    }
    for (const run of leftover) this.#active.delete(run.job.id);
    await this.#completions.flush();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    return { finished: before - leftover.length, released: released.length };
  }

  /**
   * Resolves once a claim begun after this call found no job it could start: as of the call, nothing
   * due is waiting for this worker. Wakes the worker so that claim happens now, not a poll later.
   */
  whenIdle(): Promise<void> {
    const after = this.#claimsBegun;
    return new Promise((resolve) => {
      const onIdle = (claim: number) => {
        if (claim <= after) return;
        this.off('idle', onIdle);
        resolve();
      };
      this.on('idle', onIdle);
      this.#wake?.();
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let claimed = 0;
      const claim = ++this.#claimsBegun;
      try {
        claimed = await this.#claimAndStart();
      } catch (error) {
        this.emit('error', coerceError(error));
      }
      // Only when someone waits: an idle worker polls often, and the event is for tests and tools.
      if (claimed === 0 && this.listenerCount('idle') > 0) this.emit('idle', claim);
      if (this.#stopping) break;
      // A full batch means more may be waiting: claim again at once. Otherwise wait for a wake-up.
      if (claimed > 0 && this.#active.size < this.#concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  async #claimAndStart(): Promise<number> {
    const free = this.#concurrency - this.#active.size;
    if (free <= 0) return 0;
    const runningByKind = new Map<string, number>();
    for (const run of this.#active.values())
      runningByKind.set(run.job.kind, (runningByKind.get(run.job.kind) ?? 0) + 1);
    const unlimited: string[] = [];
    const jobs: Job[] = [];
    let room = free;
    for (const kind of this.#kinds.values()) {
      const perProcess = kind.concurrency?.perProcess;
      if (perProcess === undefined) {
        unlimited.push(kind.kind);
        continue;
      }
      const limit = Math.min(room, perProcess - (runningByKind.get(kind.kind) ?? 0));
      const got = await this.#claims.claim([kind.kind], limit, this.#leaseMs);
      jobs.push(...got);
      room -= got.length;
    }
    const batch = await this.#claims.claim(unlimited, Math.min(room, this.#claimBatch), this.#leaseMs);
    jobs.push(...batch);
    room -= batch.length;
    // Keyed jobs need the exclusive claim lock; look for them at the poll rate, not on every batch.
    const now = this.#clock.now();
    if (room > 0 && now - this.#lastKeyedClaim >= this.#pollMs) {
      this.#lastKeyedClaim = now;
      const keyed = await this.#claims.claimKeyed(
        [...this.#kinds.keys()].filter((k) => this.#fitsPerProcess(k, runningByKind, jobs)),
        room,
        this.#leaseMs,
        (kind) => this.#kinds.get(kind)?.concurrency?.perKey ?? JOB_DEFAULTS.perKey,
      );
      jobs.push(...keyed);
    }
    for (const job of jobs) this.#startRun(job);
    return jobs.length;
  }

  #fitsPerProcess(kind: string, runningByKind: Map<string, number>, claimed: Job[]): boolean {
    const perProcess = this.#kinds.get(kind)?.concurrency?.perProcess;
    if (perProcess === undefined) return true;
    return (runningByKind.get(kind) ?? 0) + claimed.filter((j) => j.kind === kind).length < perProcess;
  }

  #startRun(job: Job): void {
    const kind = this.#kinds.get(job.kind);
    const controller = new AbortController();
    const run: Run = { job, controller, settled: false, done: Promise.resolve() };
    this.#active.set(job.id, run);
    this.emit('job:start', job);
    run.done = this.#execute(run, kind).finally(() => {
      if (this.#active.get(job.id) === run) this.#active.delete(job.id);
      this.#wake?.();
    });
  }

  async #execute(run: Run, kind: JobKind | undefined): Promise<void> {
    const { job } = run;
    if (!kind) {
      await this.#recordFailure(run, kind, `no handler for job kind "${job.kind}" on this node`);
      return;
    }
    const timeoutMs = kind.timeoutMs ?? JOB_DEFAULTS.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      // Unref'd: a handler's timeout is no reason for the process to stay up once it is stopping.
      timer = setTimeout(() => resolve('timeout'), timeoutMs).unref();
    });
    const logger = this.#logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const handled = kind
      .handler({
        job: job as Job & { payload: never },
        signal: run.controller.signal,
        logger,
        progress: async (data) => {
          if (run.settled) return;
          await this.#queue.store.db
            .updateTable('jobs')
            .set({ progress: JSON.stringify(data) })
            .where('id', '=', job.id)
            .execute();
          await this.#queue.addEvents([{ jobId: job.id, type: 'progress', data }]);
          this.emit('job:progress', job, data);
        },
      })
      .then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error: coerceError(error) }),
      );
    const outcome = await Promise.race([handled, timedOut]);
    clearTimeout(timer);
    if (run.settled) return;
    if (outcome === 'timeout') {
      run.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      await this.#recordFailure(run, kind, `timed out after ${timeoutMs} ms`);
      return;
    }
    if (outcome.ok) {
      await this.#completions.add(run, outcome.result);
      return;
    }
    await this.#recordFailure(run, kind, outcome.error.message || outcome.error.name);
  }

  async #recordFailure(run: Run, kind: JobKind | undefined, message: string): Promise<void> {
    run.settled = true;
    const { job } = run;
    const willRetry = job.attempts < job.maxAttempts;
    const delay = backoffDelay(retryPolicyOf(kind), job.attempts, this.#random);
    const retryAt = willRetry ? this.#clock.now() + delay : null;
    try {
      const recorded = await this.#claims.fail(job, message, retryAt);
      if (!recorded) return;
      if (willRetry) this.emit('job:retry', job, message, delay);
      else this.emit('job:fail', job, message);
    } catch (error) {
      this.emit('error', coerceError(error));
    }
  }

  /** Jobs whose lease ran out go back to the queue; those that used their last attempt are settled by their kind. */
  async #recoverExpired(): Promise<void> {
    const { failed } = await this.#claims.recoverExpiredJobs();
    for (const job of failed) {
      const kind = this.#kinds.get(job.kind);
      if (!kind?.ended) continue;
      try {
        await kind.ended(job as Job & { payload: never });
      } catch (error) {
        this.emit('error', coerceError(error));
      }
    }
  }

  async #renew(): Promise<void> {
    const held = [...this.#active.values()].filter((r) => !r.settled);
    if (held.length === 0) return;
    const still = await this.#claims.renew(
      held.map((r) => r.job.id),
      this.#leaseMs,
    );
    for (const run of held) {
      if (still.has(run.job.id) || run.settled) continue;
      // Cancelled, or the lease was lost: stop the handler and record nothing.
      run.settled = true;
      run.controller.abort(new Error('the job was cancelled or its lease was lost'));
    }
  }

  async #background(task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.emit('error', coerceError(error));
    }
  }
}
