/**
 * `npm run bench -- jobs`: throughput of enqueue + claim + complete with trivial handlers, and the
 * time from enqueue to start, for 1 and 2 worker processes on SQLite and PostgreSQL, with pg-boss on
 * the same PostgreSQL as the baseline measured in the same run.
 *
 * Throughput: the workers are running; the bench queues BENCH_JOBS jobs in chunks of 1,000 as fast as
 * it can and stops the clock when the last one is completed. Latency: it then queues BENCH_LATENCY_JOBS
 * jobs one at a time, 2 ms apart, and reads each job's start minus its creation from the store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { percentile } from '../src/jobs/health.js';
import { JobQueue } from '../src/jobs/queue.js';
import { openStore, type Store } from '../src/store/index.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 1_000);
const PG_URL = process.env.DAYSHIFT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WORKER = path.resolve('bench/jobs-worker.ts');

type Engine = 'dayshift' | 'pgboss';
type Backend = 'sqlite' | 'postgres';
interface Case {
  engine: Engine;
  backend: Backend;
  workers: number;
}
interface Result extends Case {
  jobsPerSecond: number;
  p50StartMs: number;
  p99StartMs: number;
}

/** What the bench needs from either engine: queue jobs, count completed ones, read start latencies. */
interface Target {
  env: Record<string, string>;
  enqueue(count: number, phase: string): Promise<void>;
  completed(): Promise<number>;
  startLatencies(phase: string): Promise<number[]>;
  close(): Promise<void>;
}

export async function main(): Promise<void> {
  const cases: Case[] = [];
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const workers of [1, 2]) cases.push({ engine: 'dayshift', backend, workers });
  }
  for (const workers of [1, 2]) cases.push({ engine: 'pgboss', backend: 'postgres', workers });

  process.stderr.write(
    `jobs bench: ${JOBS} jobs for throughput, ${LATENCY_JOBS} paced jobs for latency, ${cpus().length} cores\n`,
  );
  const results: Result[] = [];
  for (const c of cases) {
    process.stderr.write(`  ${c.engine} on ${c.backend}, ${c.workers} worker process(es)... `);
    const result = await runCase(c);
    results.push(result);
    process.stderr.write(`${Math.round(result.jobsPerSecond)} jobs/s\n`);
  }
  report(results);
}

async function runCase(c: Case): Promise<Result> {
  const target = c.engine === 'pgboss' ? await pgBossTarget() : await dayshiftTarget(c.backend);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < c.workers; i++) children.push(await startWorker(c.engine, target.env));
    const started = performance.now();
    await target.enqueue(JOBS, 'throughput');
    await waitForCompleted(target, JOBS);
    const seconds = (performance.now() - started) / 1000;

    for (let i = 0; i < LATENCY_JOBS; i++) {
      await target.enqueue(1, 'latency');
      await sleep(2);
    }
    await waitForCompleted(target, JOBS + LATENCY_JOBS);
    const latencies = (await target.startLatencies('latency')).sort((a, b) => a - b);
    return {
      ...c,
      jobsPerSecond: JOBS / seconds,
      p50StartMs: percentile(latencies, 0.5) ?? Number.NaN,
      p99StartMs: percentile(latencies, 0.99) ?? Number.NaN,
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await target.close();
  }
}

async function dayshiftTarget(backend: Backend): Promise<Target> {
  let store: Store;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  if (backend === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-'));
    const sqlitePath = path.join(dir, 'state.db');
    store = await openStore({ sqlitePath });
    env = { SQLITE_PATH: sqlitePath };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const { url, drop } = await freshDatabase();
    store = await openStore({ url });
    env = { STORE_URL: url };
    cleanup = drop;
  }
  await store.migrate();
  const queue = new JobQueue(store);
  return {
    env,
    async enqueue(count, phase) {
      for (let done = 0; done < count; done += 1_000) {
        const n = Math.min(1_000, count - done);
        await queue.enqueueMany(Array.from({ length: n }, () => ({ kind: 'bench', payload: { phase } })));
      }
    },
    async completed() {
      const row = await store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'completed')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async startLatencies(phase) {
      const rows = await store.db
        .selectFrom('jobs')
        .select(['started_at', 'created_at'])
        .where('payload', '=', JSON.stringify({ phase }))
        .execute();
      return rows.map((r) => Number(r.started_at) - Number(r.created_at));
    },
    async close() {
      await store.close();
      await cleanup();
    },
  };
}

async function pgBossTarget(): Promise<Target> {
  const { default: PgBoss } = await import('pg-boss');
  const { url, drop } = await freshDatabase();
  const boss = new PgBoss({ connectionString: url, max: 4 });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bench');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    env: { STORE_URL: url },
    async enqueue(count, phase) {
      for (let done = 0; done < count; done += 1_000) {
        const n = Math.min(1_000, count - done);
        await boss.insert(Array.from({ length: n }, () => ({ name: 'bench', data: { phase } })));
      }
    },
    async completed() {
      const r = await client.query(
        `select count(*)::int as n from pgboss.job where name = 'bench' and state = 'completed'`,
      );
      return Number(r.rows[0].n);
    },
    async startLatencies(phase) {
      const r = await client.query(
        `select extract(epoch from (started_on - created_on)) * 1000 as ms from pgboss.job where name = 'bench' and data->>'phase' = $1`,
        [phase],
      );
      return r.rows.map((row: { ms: string }) => Number(row.ms));
    },
    async close() {
      await client.end();
      await boss.stop({ graceful: false, wait: true });
      await drop();
    },
  };
}

async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dayshift_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function waitForCompleted(target: Target, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while ((await target.completed()) < count) {
    if (Date.now() > deadline)
      throw new Error(`jobs did not complete within 300 s (${await target.completed()} of ${count})`);
    await sleep(20);
  }
}

async function startWorker(engine: Engine, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ENGINE: engine, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function report(results: Result[]): void {
  const baseline = (workers: number) => results.find((r) => r.engine === 'pgboss' && r.workers === workers);
  const rows = results.map((r) => {
    const base = baseline(r.workers);
    return {
      ...r,
      jobsPerSecond: Math.round(r.jobsPerSecond),
      p50StartMs: Math.round(r.p50StartMs * 10) / 10,
      p99StartMs: Math.round(r.p99StartMs * 10) / 10,
      vsPgBoss: base ? Math.round((r.jobsPerSecond / base.jobsPerSecond) * 100) / 100 : null,
    };
  });
  const header = ['engine', 'store', 'workers', 'jobs/s', 'p50 start ms', 'p99 start ms', '× pg-boss'];
  const lines = rows.map((r) => [
    r.engine,
    r.backend,
    String(r.workers),
    String(r.jobsPerSecond),
    String(r.p50StartMs),
    String(r.p99StartMs),
    r.vsPgBoss === null ? '-' : r.vsPgBoss.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${fmt(header)}\n${lines.map(fmt).join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'jobs', jobs: JOBS, latencyJobs: LATENCY_JOBS, results: rows })}\n`,
  );
}
