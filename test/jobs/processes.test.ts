import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const FIXTURE = path.resolve('test/fixtures/worker-process.ts');

describe.each(STORE_KINDS)('worker processes on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  let children: ChildProcess[] = [];

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await sql`create table if not exists test_runs (job_id integer not null, pid integer not null, phase text not null)`.execute(
      store.db,
    );
  });
  afterEach(async () => {
    await Promise.all(children.map(stopChild));
    children = [];
    await sql`delete from test_runs`.execute(store.db);
    await store.db.deleteFrom('jobs').execute();
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  async function startWorker(mode: string, env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: {
        ...process.env,
        MODE: mode,
        ...(testStore.options.url
          ? { STORE_URL: testStore.options.url }
          : { SQLITE_PATH: testStore.options.sqlitePath! }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
    });
    return child;
  }

  async function runsOf(phase: string): Promise<Array<{ job_id: number; pid: number }>> {
    const result = await sql<{
      job_id: number;
      pid: number;
    }>`select job_id, pid from test_runs where phase = ${phase}`.execute(store.db);
    return result.rows.map((r) => ({ job_id: Number(r.job_id), pid: Number(r.pid) }));
  }

  it('recovers a job from a worker killed with SIGKILL mid-job, and completes it once', async () => {
    const queue = new JobQueue(store);
    const first = await startWorker('drain', { LEASE_MS: '1000' });
    const job = (await queue.enqueue('crashy', {}))!;
    await until(
      async () => ((await runsOf('start')).length === 1 ? true : undefined),
      'the first worker to start the job',
    );
    expect((await runsOf('start'))[0]!.pid).toBe(first.pid);
    const second = await startWorker('drain', { LEASE_MS: '1000' });
    first.kill('SIGKILL');
    const done = await until(async () => {
      const j = await queue.get(job.id);
      return j?.status === 'completed' ? j : undefined;
    }, 'the job to complete on the second worker');
    expect(done.attempts).toBe(2);
    const finished = await runsOf('done');
    expect(finished).toEqual([{ job_id: job.id, pid: second.pid }]);
    const types = (await queue.events(job.id)).map((e) => e.type);
    expect(types).toEqual(['started', 'released', 'started', 'completed']);
  });

  it('runs each of 10,000 jobs exactly once with two processes draining the queue', async () => {
    const queue = new JobQueue(store);
    const total = 10_000;
    await queue.enqueueMany(Array.from({ length: total }, (_, i) => ({ kind: 'count', payload: { i } })));
    const workers = [await startWorker('drain'), await startWorker('drain')];
    await until(
      async () => {
        const health = await queue.health();
        return health.counts.completed === total ? true : undefined;
      },
      'all jobs to complete',
      120_000,
    );
    const runs = await runsOf('done');
    expect(runs).toHaveLength(total);
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(total);
    // Both processes took part.
    for (const w of workers) expect(runs.some((r) => r.pid === w.pid)).toBe(true);
  });

  it('fires a cron schedule once per due time with three processes running it', async () => {
    const schedulers = [await startWorker('cron'), await startWorker('cron'), await startWorker('cron')];
    const fired = async () =>
      (
        await store.db
          .selectFrom('jobs')
          .select(['run_at', 'unique_key'])
          .where('kind', '=', 'tick')
          .execute()
      ).map((r) => Number(r.run_at));
    await until(async () => ((await fired()).length >= 4 ? true : undefined), 'four due times', 20_000);
    await Promise.all(schedulers.map(stopChild));
    const dueTimes = (await fired()).sort((a, b) => a - b);
    expect(new Set(dueTimes).size).toBe(dueTimes.length);
    for (let i = 1; i < dueTimes.length; i++) expect(dueTimes[i]! - dueTimes[i - 1]!).toBe(1_000);
    for (const due of dueTimes) expect(due % 1_000).toBe(0);
  });
});

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
