import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { Database, Store } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';
import { queueHealth } from './health.js';
import { JOB_DEFAULTS, type JobKind, retryPolicyOf } from './kinds.js';
import { type ReplayReport, replayFailedJobs } from './replay.js';
import { parseJson, toJob, toJson } from './rows.js';
import type { EnqueueOptions, Job, JobEvent, JobEventType, JobStatus, QueueHealth } from './types.js';

/**
 * The operator's and the features' side of the durable queue: queue work, look at it, retry, replay,
 * cancel. Workers claim through `JobClaims` (claims.ts) on the same tables.
 */
export class JobQueue {
  readonly store: Store;
  readonly clock: Clock;
  /** Emits 'enqueued' so a worker in the same process can claim at once instead of at its next poll. */
  readonly local = new EventEmitter();

  readonly #maxAttemptsByKind = new Map<string, number>();

  /** `kinds` give each kind's default attempts; a job of an unknown kind gets the queue default. */
  constructor(store: Store, options: { clock?: Clock; kinds?: readonly JobKind[] } = {}) {
    this.store = store;
    this.clock = options.clock ?? systemClock;
    this.addKinds(options.kinds ?? []);
  }

  /**
   * Learns the default attempts of more kinds. A node makes its queue first and hands it to its
   * features, which declare their kinds as they open; no job is queued before they are added.
   */
  addKinds(kinds: readonly JobKind[]): void {
    for (const kind of kinds) this.#maxAttemptsByKind.set(kind.kind, retryPolicyOf(kind).maxAttempts);
  }

  /**
   * Queues a job; null when a job with the same unique key is already queued or running. Pass a
   * transaction as `db` so the job is queued only if the change that needs it commits.
   */
  async enqueue(
    kind: string,
    payload: unknown,
    options: EnqueueOptions = {},
    db: Kysely<Database> = this.store.db,
  ): Promise<Job | null> {
    const row = await db
      .insertInto('jobs')
      .values(this.#row(kind, payload, options))
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    this.local.emit('enqueued');
    return toJob(row);
  }

  /** Queues many jobs in one statement per chunk; returns how many were queued (unique keys may drop some). */
  async enqueueMany(
    items: Array<{ kind: string; payload: unknown; options?: EnqueueOptions }>,
  ): Promise<number> {
    let queued = 0;
    const chunk = 500;
    for (let i = 0; i < items.length; i += chunk) {
      const rows = items
        .slice(i, i + chunk)
        .map((item) => this.#row(item.kind, item.payload, item.options ?? {}));
      const result = await this.store.db
        .insertInto('jobs')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      queued += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    if (queued > 0) this.local.emit('enqueued');
    return queued;
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await this.store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  /** Newest first. */
  async list(
    filter: { status?: JobStatus[]; kind?: string; limit?: number; beforeId?: number } = {},
  ): Promise<Job[]> {
    let query = this.store.db.selectFrom('jobs').selectAll();
    if (filter.status?.length) query = query.where('status', 'in', filter.status);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 50)
      .execute();
    return rows.map(toJob);
  }

  /** Puts a failed or cancelled job back in the queue, due now, with fresh attempts. */
  async retry(id: number): Promise<Job> {
    const now = this.clock.now();
    const row = await this.store.db
      .updateTable('jobs')
      .set({
        status: 'queued',
        run_at: now,
        attempts: 0,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: null,
      })
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'cancelled'])
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        throw new DayshiftError(
          'JOB_STATE_CONFLICT',
          `job ${id} cannot be retried: another job with its unique key is queued`,
          {
            cause: error,
          },
        );
      });
    if (row) {
      this.local.emit('enqueued');
      return toJob(row);
    }
    const job = await this.get(id);
    if (!job) throw jobNotFound(id);
    throw new DayshiftError(
      'JOB_STATE_CONFLICT',
      `job ${id} is ${job.status}; only failed or cancelled jobs can be retried`,
    );
  }

  /**
   * Puts every failed job (of one kind, if given) back in the queue; of failed jobs sharing a unique
   * key, only the newest, and only when no live job holds the key. Reports what it replayed and skipped.
   */
  async replayFailed(filter: { kind?: string } = {}): Promise<ReplayReport> {
    const report = await replayFailedJobs(this.store, this.clock.now(), filter);
    if (report.replayed > 0) this.local.emit('enqueued');
    return report;
  }

  /** Cancels a queued or running job. A running job's worker sees it at its next lease renewal and aborts. */
  async cancel(id: number): Promise<Job> {
    const now = this.clock.now();
    const row = await this.store.db.transaction().execute(async (trx) => {
      const cancelled = await trx
        .updateTable('jobs')
        .set({ status: 'cancelled', finished_at: now, lease_owner: null, lease_expires_at: null })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .returningAll()
        .executeTakeFirst();
      if (cancelled) await this.addEvents([{ jobId: id, type: 'cancelled', data: null }], trx);
      return cancelled;
    });
    if (row) return toJob(row);
    const job = await this.get(id);
    if (!job) throw jobNotFound(id);
    throw new DayshiftError('JOB_STATE_CONFLICT', `job ${id} is already ${job.status}`);
  }

  /** Events of a job after `afterSeq`, oldest first. */
  async events(jobId: number, afterSeq = 0): Promise<JobEvent[]> {
    const rows = await this.store.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('id', '>', afterSeq)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      jobId: Number(r.job_id),
      seq: Number(r.id),
      at: Number(r.at),
      type: r.type as JobEventType,
      data: parseJson(r.data),
    }));
  }

  /** Records events; pass the transaction that changes the job, so the state and its event land together. */
  async addEvents(
    events: Array<{ jobId: number; type: JobEventType; data: unknown }>,
    db: Kysely<Database> = this.store.db,
  ): Promise<void> {
    if (events.length === 0) return;
    const at = this.clock.now();
    await db
      .insertInto('job_events')
      .values(events.map((e) => ({ job_id: e.jobId, at, type: e.type, data: toJson(e.data) })))
      .execute();
  }

  health(options: { windowMs?: number } = {}): Promise<QueueHealth> {
    return queueHealth(this.store, this.clock.now(), options.windowMs ?? JOB_DEFAULTS.healthWindowMs);
  }

  #row(kind: string, payload: unknown, options: EnqueueOptions) {
    const now = this.clock.now();
    return {
      kind,
      payload: JSON.stringify(payload ?? null),
      status: 'queued',
      priority: options.priority ?? 0,
      run_at: options.runAt ?? now,
      attempts: 0,
      max_attempts:
        options.maxAttempts ?? this.#maxAttemptsByKind.get(kind) ?? JOB_DEFAULTS.retry.maxAttempts,
      unique_key: options.uniqueKey ?? null,
      concurrency_key: options.concurrencyKey ?? null,
      created_at: now,
    };
  }
}

function jobNotFound(id: number): DayshiftError {
  return new DayshiftError('JOB_NOT_FOUND', `no job ${id}`, { hint: 'list jobs with `dayshift jobs list`' });
}
