import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayshiftError } from '../../src/errors.js';
import { JobClaims } from '../../src/jobs/claims.js';
import type { JobKind } from '../../src/jobs/kinds.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { Worker } from '../../src/jobs/worker.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { expectedReport, REPLAY_KIND, seedReplayCase, sortedReport } from './replay-case.js';

describe.each(STORE_KINDS)('job queue on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('never queues a second job with the same unique key while one is queued or running', async () => {
    const queue = new JobQueue(store);
    const first = await queue.enqueue('unique', { n: 1 }, { uniqueKey: 'only-one' });
    expect(first).not.toBeNull();
    expect(await queue.enqueue('unique', { n: 2 }, { uniqueKey: 'only-one' })).toBeNull();
    const claims = new JobClaims(queue, 'node-a');
    const [running] = await claims.claim(['unique'], 10, 30_000);
    expect(running?.id).toBe(first!.id);
    expect(await queue.enqueue('unique', { n: 3 }, { uniqueKey: 'only-one' })).toBeNull();
    await claims.complete([{ id: first!.id, result: null }]);
    const again = await queue.enqueue('unique', { n: 4 }, { uniqueKey: 'only-one' });
    expect(again).not.toBeNull();
    expect(again!.id).not.toBe(first!.id);
  });

  it('retries a job that throws twice with growing delays, then completes it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    const queue = new JobQueue(store, { clock });
    const flaky: JobKind = {
      kind: 'flaky',
      retry: { maxAttempts: 5, baseMs: 60_000, maxMs: 3_600_000, jitter: 0.1 },
      async handler(ctx) {
        if (ctx.job.attempts <= 2) throw new Error(`boom ${ctx.job.attempts}`);
        return { ok: true };
      },
    };
    const worker = new Worker(queue, [flaky], { clock, pollMs: 10, random: () => 0.5 });
    worker.start();
    try {
      const job = (await queue.enqueue('flaky', {}))!;
      const delays: number[] = [];
      for (const attempt of [1, 2]) {
        const failed = await until(async () => {
          const j = await queue.get(job.id);
          return j?.status === 'queued' && j.attempts === attempt ? j : undefined;
        }, `attempt ${attempt} to fail`);
        expect(failed.lastError).toBe(`boom ${attempt}`);
        delays.push(failed.runAt - clock.now());
        // Not due yet: a claim made after the clock moved to just before run_at starts nothing.
        clock.advance(failed.runAt - clock.now() - 1);
        await worker.whenIdle();
        expect((await queue.get(job.id))?.attempts).toBe(attempt);
        clock.advance(1);
      }
      const done = await until(async () => {
        const j = await queue.get(job.id);
        return j?.status === 'completed' ? j : undefined;
      }, 'the third attempt to complete');
      expect(done.attempts).toBe(3);
      expect(done.result).toEqual({ ok: true });
      // base × 2^(n−1) plus half of the 10 % jitter.
      expect(delays).toEqual([63_000, 126_000]);
      const types = (await queue.events(job.id)).map((e) => e.type);
      expect(types).toEqual(['started', 'retry', 'started', 'retry', 'started', 'completed']);
    } finally {
      await worker.stop({ deadlineMs: 1_000 });
    }
  });

  it('caps the backoff at the kind’s maximum and fails for good after the last attempt, keeping the error', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 2));
    const queue = new JobQueue(store, { clock });
    const broken: JobKind = {
      kind: 'broken',
      retry: { maxAttempts: 3, baseMs: 1_000, maxMs: 1_500, jitter: 0 },
      async handler(ctx) {
        throw new Error(`still broken (attempt ${ctx.job.attempts})`);
      },
    };
    const worker = new Worker(queue, [broken], { clock, pollMs: 10 });
    worker.start();
    try {
      const job = (await queue.enqueue('broken', {}, { maxAttempts: 3 }))!;
      const delays: number[] = [];
      for (const attempt of [1, 2]) {
        const j = await until(async () => {
          const x = await queue.get(job.id);
          return x?.status === 'queued' && x.attempts === attempt ? x : undefined;
        }, `attempt ${attempt}`);
        delays.push(j.runAt - clock.now());
        clock.advance(j.runAt - clock.now());
      }
      const failed = await until(async () => {
        const x = await queue.get(job.id);
        return x?.status === 'failed' ? x : undefined;
      }, 'the job to fail');
      expect(delays).toEqual([1_000, 1_500]);
      expect(failed.attempts).toBe(3);
      expect(failed.lastError).toBe('still broken (attempt 3)');
      expect(failed.finishedAt).toBe(clock.now());
    } finally {
      await worker.stop({ deadlineMs: 1_000 });
    }
  });

  it('aborts a handler that overruns its timeout and counts it as a failed attempt', async () => {
    const queue = new JobQueue(store);
    let aborted = false;
    const stuck: JobKind = {
      kind: 'stuck',
      timeoutMs: 100,
      retry: { maxAttempts: 1 },
      handler: (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          });
        }),
    };
    const worker = new Worker(queue, [stuck], { pollMs: 10 });
    worker.start();
    try {
      const job = (await queue.enqueue('stuck', {}, { maxAttempts: 1 }))!;
      const failed = await until(async () => {
        const j = await queue.get(job.id);
        return j?.status === 'failed' ? j : undefined;
      }, 'the job to time out');
      expect(failed.lastError).toBe('timed out after 100 ms');
      expect(aborted).toBe(true);
    } finally {
      await worker.stop({ deadlineMs: 1_000 });
    }
  });

  it('puts a job back when its lease expires, and fails it when its attempts are used up', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 3));
    const queue = new JobQueue(store, { clock });
    const ghost = new JobClaims(queue, 'ghost-node');
    const rescuer = new JobClaims(queue, 'rescuer');
    const retriable = (await queue.enqueue('leased', {}, { maxAttempts: 2 }))!;
    const [held] = await ghost.claim(['leased'], 1, 1_000);
    expect(held?.id).toBe(retriable.id);
    clock.advance(999);
    expect(await rescuer.recoverExpired()).toBe(0);
    clock.advance(2);
    expect(await rescuer.recoverExpired()).toBe(1);
    const requeued = (await queue.get(retriable.id))!;
    expect(requeued.status).toBe('queued');
    expect(requeued.lastError).toContain('lease expired');
    // The ghost cannot complete what it no longer holds.
    expect(await ghost.complete([{ id: retriable.id, result: null }])).toEqual([]);

    const [second] = await ghost.claim(['leased'], 1, 1_000);
    expect(second?.attempts).toBe(2);
    clock.advance(1_001);
    await rescuer.recoverExpired();
    const failed = (await queue.get(retriable.id))!;
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toContain('ghost-node');
    expect(failed.lastError).toContain('attempt 2');
  });

  it('cancels a queued job, and aborts a running one at its next lease renewal', async () => {
    const queue = new JobQueue(store);
    const queued = (await queue.enqueue('never', {}))!;
    expect((await queue.cancel(queued.id)).status).toBe('cancelled');
    await expect(queue.cancel(queued.id)).rejects.toMatchObject({ code: 'JOB_STATE_CONFLICT' });

    let sawAbort = false;
    const long: JobKind = {
      kind: 'long',
      handler: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve('stopped');
          });
        }),
    };
    const worker = new Worker(queue, [long], { pollMs: 10, leaseMs: 300 });
    worker.start();
    try {
      const job = (await queue.enqueue('long', {}))!;
      await until(
        async () => ((await queue.get(job.id))?.status === 'running' ? true : undefined),
        'the job to run',
      );
      await queue.cancel(job.id);
      await until(() => (sawAbort ? true : undefined), 'the handler to be aborted');
      await until(() => (worker.running === 0 ? true : undefined), 'the worker to let go');
      expect((await queue.get(job.id))?.status).toBe('cancelled');
    } finally {
      await worker.stop({ deadlineMs: 1_000 });
    }
  });

  it('replays failed jobs and retries one by id', async () => {
    const queue = new JobQueue(store);
    const claims = new JobClaims(queue, 'node-r');
    const a = (await queue.enqueue('replayable', {}, { maxAttempts: 1 }))!;
    const b = (await queue.enqueue('replayable', {}, { maxAttempts: 1 }))!;
    for (const job of await claims.claim(['replayable'], 10, 30_000))
      await claims.fail(job, 'smtp down', null);
    expect((await queue.list({ status: ['failed'], kind: 'replayable' })).map((j) => j.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    await expect(queue.retry(999_999)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect((await queue.retry(a.id)).status).toBe('queued');
    expect((await queue.replayFailed({ kind: 'replayable' })).replayed).toBe(1);
    const jobs = await queue.list({ kind: 'replayable' });
    expect(jobs.every((j) => j.status === 'queued' && j.attempts === 0)).toBe(true);
    await expect(queue.retry(a.id)).rejects.toMatchObject({ code: 'JOB_STATE_CONFLICT' });
  });

  it('replays the newest failed job of each unique key no live job holds, and reports the rest with reasons', async () => {
    const queue = new JobQueue(store);
    const seeded = await seedReplayCase(queue);

    const report = await queue.replayFailed({ kind: REPLAY_KIND });

    expect(sortedReport(report)).toEqual(expectedReport(seeded));
    const statusOf = async (id: number) => (await queue.get(id))?.status;
    for (const id of report.replayedIds) {
      const job = (await queue.get(id))!;
      expect([job.status, job.attempts, job.finishedAt]).toEqual(['queued', 0, null]);
    }
    for (const { id } of report.skipped) expect(await statusOf(id)).toBe('failed');
    expect(await statusOf(seeded.queuedHolder)).toBe('queued');
    expect(await statusOf(seeded.runningHolder)).toBe('running');

    // Again: the replayed job now holds its key, so the older ones are reported against it.
    const again = await queue.replayFailed({ kind: REPLAY_KIND });
    expect(again.replayed).toBe(0);
    expect(again.skipped.filter((s) => s.uniqueKey === 'k-shared').map((s) => s.reason)).toEqual([
      `a job with unique key k-shared is already queued: #${seeded.shared[2]}`,
      `a job with unique key k-shared is already queued: #${seeded.shared[2]}`,
    ]);
  });

  it('turns a store failure during a replay into a DayshiftError that says nothing was replayed', async () => {
    const closed = await testStore.open();
    await closed.close();
    const error = await new JobQueue(closed).replayFailed().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).toContain('nothing was replayed');
  });

  it('reports the queue health snapshot: counts, oldest waiting job, wait percentiles', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 4));
    const queue = new JobQueue(store, { clock });
    const claims = new JobClaims(queue, 'node-h');
    const start = clock.now();
    for (let i = 0; i < 4; i++) await queue.enqueue('health', { i }, { runAt: start });
    await queue.enqueue('health', { future: true }, { runAt: start + 3_600_000 });
    clock.advance(10_000);
    const [first] = await claims.claim(['health'], 1, 30_000);
    await claims.complete([{ id: first!.id, result: null }]);
    clock.advance(5_000);
    const health = await queue.health();
    const mine = health.byKind.find((k) => k.kind === 'health')!;
    expect(mine.counts).toEqual({ queued: 4, running: 0, completed: 1, failed: 0, cancelled: 0 });
    expect(health.oldestQueuedAgeMs).toBe(15_000);
    expect(health.waitP95Ms).toBe(10_000);
  });

  it('persists progress events that another connection can read', async () => {
    const queue = new JobQueue(store);
    const reporter: JobKind = {
      kind: 'reporter',
      async handler(ctx) {
        await ctx.progress({ step: 1 });
        await ctx.progress({ step: 2 });
        return 'done';
      },
    };
    const worker = new Worker(queue, [reporter], { pollMs: 10 });
    const seen: unknown[] = [];
    worker.on('job:progress', (_job, data) => seen.push(data));
    worker.start();
    try {
      const job = (await queue.enqueue('reporter', {}))!;
      await until(
        async () => ((await queue.get(job.id))?.status === 'completed' ? true : undefined),
        'completion',
      );
      const other = new JobQueue(await testStore.open());
      const events = await other.events(job.id);
      expect(events.map((e) => e.type)).toEqual(['started', 'progress', 'progress', 'completed']);
      expect(events.filter((e) => e.type === 'progress').map((e) => e.data)).toEqual([
        { step: 1 },
        { step: 2 },
      ]);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y));
      expect(await other.events(job.id, events[1]!.seq)).toHaveLength(2);
      expect(seen).toEqual([{ step: 1 }, { step: 2 }]);
      expect((await other.get(job.id))?.progress).toEqual({ step: 2 });
    } finally {
      await worker.stop({ deadlineMs: 1_000 });
    }
  });

  it('runs at most one job per concurrency key at a time across two nodes', async () => {
    const intervals: Array<{ key: string; start: number; end: number }> = [];
    const backup: JobKind<{ key: string }> = {
      kind: 'backup',
      concurrency: { perKey: 1 },
      async handler(ctx) {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 60));
        intervals.push({ key: ctx.job.payload.key, start, end: performance.now() });
      },
    };
    const queueA = new JobQueue(store);
    // Two SQLite connections in one process would block each other's event loop on the file lock
    // (the driver waits synchronously), so on SQLite the two nodes share a connection; on PostgreSQL
    // each has its own pool, as two machines would.
    const queueB = new JobQueue(kind === 'sqlite' ? store : await testStore.open());
    const workers = [queueA, queueB].map(
      (q) => new Worker(q, [backup as JobKind], { pollMs: 5, concurrency: 4 }),
    );
    for (const key of ['db', 'db', 'db', 'db', 'media', 'media']) {
      await queueA.enqueue('backup', { key }, { concurrencyKey: `backup:${key}` });
    }
    for (const w of workers) w.start();
    try {
      await until(() => (intervals.length === 6 ? true : undefined), 'all six backups');
      for (const key of ['db', 'media']) {
        const mine = intervals.filter((i) => i.key === key).sort((x, y) => x.start - y.start);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop({ deadlineMs: 1_000 })));
    }
  });
});

// Only a store with concurrent writers lets another node queue a job between the replay's read and its
// update; on SQLite the replay's immediate transaction holds the one write lock throughout.
describe('replay on postgres while another node queues a job with the same unique key', () => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await createTestStore('postgres');
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('reports the failed job as skipped for the job that took its key, and replays the rest', async () => {
    const store = await testStore.open();
    const other = await testStore.open();
    expect(store.caps.concurrentWriters).toBe(true);
    const queue = new JobQueue(store);
    const claims = new JobClaims(queue, 'node-race');
    const failed: number[] = [];
    for (const uniqueKey of ['k-race', 'k-calm']) {
      const job = (await queue.enqueue('race', {}, { maxAttempts: 1, uniqueKey }))!;
      const [claimed] = await claims.claim(['race'], 1, 30_000);
      await claims.fail(claimed!, 'broken', null);
      failed.push(job.id);
    }
    // The other node queues a job with the key and holds its transaction open.
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let insertedId = 0;
    const inserted = new Promise<void>((resolve) => {
      void other.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('jobs')
          .values({
            kind: 'race-other',
            payload: '{}',
            status: 'queued',
            priority: 0,
            run_at: Date.now(),
            attempts: 0,
            max_attempts: 1,
            unique_key: 'k-race',
            created_at: Date.now(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        insertedId = Number(row.id);
        resolve();
        await committed;
      });
    });
    await inserted;
    const replay = queue.replayFailed({ kind: 'race' });
    // The replay's update waits on the other transaction's row in the unique index.
    await until(async () => {
      const waiting = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(other.db);
      return Number(waiting.rows[0]?.n) > 0 ? true : undefined;
    }, 'the replay to wait for the other node');
    commit();
    const report = await replay;
    expect(report.replayedIds).toEqual([failed[1]]);
    expect(report.skipped).toEqual([
      {
        id: failed[0],
        kind: 'race',
        uniqueKey: 'k-race',
        reason: `a job with unique key k-race is already queued: #${insertedId}`,
      },
    ]);
    expect((await queue.get(failed[0]!))?.status).toBe('failed');
    expect((await queue.get(failed[1]!))?.status).toBe('queued');
  });
});
