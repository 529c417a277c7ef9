import { type Kysely, sql } from 'kysely';
import type { Database, Store } from '../store/index.js';
import type { JobQueue } from './queue.js';
import { type JobRow, toJob, toJson } from './rows.js';
import type { Job } from './types.js';

/**
 * The worker's side of the queue: claim under a lease, renew, complete, fail, release, and recover
 * jobs whose lease expired. Every write is fenced by `lease_owner`, so a worker that lost a job (its
 * lease expired, the job was cancelled) can never overwrite what another worker did with it.
 */
export class JobClaims {
  readonly #store: Store;
  readonly #queue: JobQueue;
  readonly owner: string;

  constructor(queue: JobQueue, owner: string) {
    this.#queue = queue;
    this.#store = queue.store;
    this.owner = owner;
  }

  /** Claims up to `limit` due jobs of `kinds` that have no concurrency key. */
  async claim(kinds: readonly string[], limit: number, leaseMs: number): Promise<Job[]> {
    if (limit <= 0 || kinds.length === 0) return [];
    const { db, caps } = this.#store;
    const now = this.#queue.clock.now();
    const due = this.#dueQueued(db, kinds, now)
      .select('id')
      .where('concurrency_key', 'is', null)
      .limit(limit)
      .$if(caps.skipLocked, (q) => q.forUpdate().skipLocked());
    const rows = await this.#take(db, due, now, leaseMs);
    return this.#started(rows);
  }

  /**
   * Claims due jobs that carry a concurrency key, at most `perKey(kind)` running per key across every
   * node. Reading the running counts and taking the jobs happen under the store's exclusive claim lock.
   */
  async claimKeyed(
    kinds: readonly string[],
    limit: number,
    leaseMs: number,
    perKey: (kind: string) => number,
  ): Promise<Job[]> {
    if (limit <= 0 || kinds.length === 0) return [];
    const { db, caps } = this.#store;
    const rows = await caps.exclusive(db, async (trx) => {
      const now = this.#queue.clock.now();
      const candidates = await this.#dueQueued(trx, kinds, now)
        .select(['id', 'kind', 'concurrency_key'])
        .where('concurrency_key', 'is not', null)
        .limit(Math.max(limit * 4, 20))
        .execute();
      if (candidates.length === 0) return [];
      const keys = [...new Set(candidates.map((c) => c.concurrency_key as string))];
      const running = await trx
        .selectFrom('jobs')
        .select(['concurrency_key', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('status', '=', 'running')
        .where('concurrency_key', 'in', keys)
        .groupBy('concurrency_key')
        .execute();
      const inUse = new Map(running.map((r) => [r.concurrency_key as string, Number(r.n)]));
      const picked: number[] = [];
      for (const candidate of candidates) {
        if (picked.length >= limit) break;
        const key = candidate.concurrency_key as string;
        const used = inUse.get(key) ?? 0;
        if (used >= perKey(candidate.kind)) continue;
        inUse.set(key, used + 1);
        picked.push(Number(candidate.id));
      }
      if (picked.length === 0) return [];
      return this.#take(trx, picked, now, leaseMs);
    });
    return this.#started(rows);
  }

  /** Extends the lease of the jobs still held; returns the ids this worker still holds. */
  async renew(ids: readonly number[], leaseMs: number): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#store.db
      .updateTable('jobs')
      .set({ lease_expires_at: this.#queue.clock.now() + leaseMs })
      .where('id', 'in', ids)
      .where('lease_owner', '=', this.owner)
      .where('status', '=', 'running')
      .returning('id')
      .execute();
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Marks finished jobs completed, in one statement for all of those without a result. */
  async complete(done: ReadonlyArray<{ id: number; result: unknown }>): Promise<number[]> {
    return this.#store.db.transaction().execute(async (trx) => {
      if (done.length === 0) return [];
      const now = this.#queue.clock.now();
      const completed: number[] = [];
      const finish = { status: 'completed', finished_at: now, lease_owner: null, lease_expires_at: null };
      const plain = done.filter((d) => d.result === undefined || d.result === null).map((d) => d.id);
      if (plain.length > 0) {
        const rows = await this.#fenced(trx.updateTable('jobs').set(finish), plain).returning('id').execute();
        completed.push(...rows.map((r) => Number(r.id)));
      }
      for (const item of done.filter((d) => d.result !== undefined && d.result !== null)) {
        const rows = await this.#fenced(
          trx.updateTable('jobs').set({ ...finish, result: toJson(item.result) }),
          [item.id],
        )
          .returning('id')
          .execute();
        completed.push(...rows.map((r) => Number(r.id)));
      }
      await this.#queue.addEvents(
        completed.map((id) => ({ jobId: id, type: 'completed' as const, data: null })),
        trx,
      );
      return completed;
    });
  }

  /** Records a failed attempt: back to the queue at `retryAt`, or failed for good when `retryAt` is null. */
  async fail(job: Job, error: string, retryAt: number | null): Promise<boolean> {
    return this.#store.db.transaction().execute(async (trx) => {
      const now = this.#queue.clock.now();
      const update =
        retryAt === null
          ? {
              status: 'failed',
              finished_at: now,
              last_error: error,
              lease_owner: null,
              lease_expires_at: null,
            }
          : {
              status: 'queued',
              run_at: retryAt,
              last_error: error,
              lease_owner: null,
              lease_expires_at: null,
            };
      const rows = await this.#fenced(trx.updateTable('jobs').set(update), [job.id])
        .returning('id')
        .execute();
      if (rows.length === 0) return false;
      await this.#queue.addEvents(
        [
          retryAt === null
            ? { jobId: job.id, type: 'failed', data: { attempt: job.attempts, error } }
            : {
                jobId: job.id,
                type: 'retry',
                data: { attempt: job.attempts, error, retryAt, delayMs: retryAt - now },
              },
        ],
        trx,
      );
      return true;
    });
  }

  /** Puts held jobs back in the queue, due now, without counting the interrupted attempt. */
  async release(ids: readonly number[], reason: string): Promise<number[]> {
    return this.#store.db.transaction().execute(async (trx) => {
      if (ids.length === 0) return [];
      const rows = await this.#fenced(
        trx.updateTable('jobs').set({
          status: 'queued',
          attempts: sql`attempts - 1`,
          run_at: this.#queue.clock.now(),
          lease_owner: null,
          lease_expires_at: null,
        }),
        ids,
      )
        .returning('id')
        .execute();
      const released = rows.map((r) => Number(r.id));
      await this.#queue.addEvents(
        released.map((id) => ({ jobId: id, type: 'released' as const, data: { reason } })),
        trx,
      );
      return released;
    });
  }

  /** Crash recovery: jobs whose lease expired go back to the queue, or fail when attempts are used up. */
  async recoverExpired(): Promise<number> {
    return (await this.recoverExpiredJobs()).recovered;
  }

  /** As recoverExpired, also giving the jobs that failed for good (their kinds settle what they left open). */
  async recoverExpiredJobs(): Promise<{ recovered: number; failed: Job[] }> {
    return this.#store.db.transaction().execute(async (trx) => {
      const now = this.#queue.clock.now();
      const rows = await trx
        .updateTable('jobs')
        .set({
          status: sql`case when attempts >= max_attempts then 'failed' else 'queued' end`,
          finished_at: sql`case when attempts >= max_attempts then ${sql.lit(now)} else null end`,
          last_error: sql`'lease expired: the worker ' || lease_owner || ' stopped renewing it (crashed or killed) during attempt ' || attempts`,
          run_at: now,
          lease_owner: null,
          lease_expires_at: null,
        })
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', now)
        .returningAll()
        .execute();
      await this.#queue.addEvents(
        rows.map((r) =>
          r.status === 'failed'
            ? { jobId: Number(r.id), type: 'failed' as const, data: { error: r.last_error } }
            : { jobId: Number(r.id), type: 'released' as const, data: { reason: r.last_error } },
        ),
        trx,
      );
      return { recovered: rows.length, failed: rows.filter((r) => r.status === 'failed').map(toJob) };
    });
  }

  /** Deletes completed and cancelled jobs (and their events) that finished before `before`. */
  async deleteFinished(before: number): Promise<number> {
    const { db } = this.#store;
    const old = db
      .selectFrom('jobs')
      .select('id')
      .where('status', 'in', ['completed', 'cancelled'])
      .where('finished_at', '<', before);
    await db.deleteFrom('job_events').where('job_id', 'in', old).execute();
    const result = await db
      .deleteFrom('jobs')
      .where('status', 'in', ['completed', 'cancelled'])
      .where('finished_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #take(
    db: Kysely<Database>,
    ids: readonly number[] | { compile(): unknown },
    now: number,
    leaseMs: number,
  ): Promise<JobRow[]> {
    return (
      db
        .updateTable('jobs')
        .set({
          status: 'running',
          lease_owner: this.owner,
          lease_expires_at: now + leaseMs,
          attempts: sql`attempts + 1`,
          started_at: now,
        })
        // biome-ignore lint/suspicious/noExplicitAny: a list of ids or the due-jobs subquery
        .where('id', 'in', ids as any)
        .returningAll()
        .execute()
    );
  }

  async #started(rows: JobRow[]): Promise<Job[]> {
    if (rows.length === 0) return [];
    const jobs = rows.map(toJob).sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.id - b.id);
    await this.#queue.addEvents(
      jobs.map((j) => ({ jobId: j.id, type: 'started' as const, data: { attempt: j.attempts } })),
    );
    return jobs;
  }

  /** Queued jobs of `kinds` that are due, in claim order: highest priority, then oldest due, then oldest. */
  #dueQueued(db: Kysely<Database>, kinds: readonly string[], now: number) {
    return db
      .selectFrom('jobs')
      .where('status', '=', 'queued')
      .where('run_at', '<=', now)
      .where('kind', 'in', kinds)
      .orderBy('priority', 'desc')
      .orderBy('run_at')
      .orderBy('id');
  }

  #fenced<Q extends { where: (...args: never[]) => Q }>(query: Q, ids: readonly number[]): Q {
    // biome-ignore lint/suspicious/noExplicitAny: Kysely's where overloads do not survive the generic
    const q = query as any;
    return q.where('id', 'in', ids).where('lease_owner', '=', this.owner).where('status', '=', 'running');
  }
}
