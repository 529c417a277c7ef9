/**
 * The heartbeat case of `npm run bench -- alerting`: HEARTBEATS heartbeat checks served by `dayshift
 * serve` (the built CLI, embedded SQLite store), each pinged over HTTP every period / 2; SILENT of them
 * stop pinging, at moments spread over one period. The figure is how long past period + grace after
 * its last ping each silent check's alert fires (the alert's fired_at against the ping's time, both
 * from the store, so both from the server's clock). Goal: p99 under 1 s. The comparison is the
 * interval approach it replaces: a check every 30 s that needs 3 failures is at least 60 s late.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { quantile } from './quantile.js';

const HEARTBEATS = Number(process.env.BENCH_HEARTBEATS ?? 1_000);
const SILENT = Number(process.env.BENCH_HEARTBEATS_SILENT ?? 100);
const PERIOD_S = Number(process.env.BENCH_HEARTBEAT_PERIOD_S ?? 20);
const GRACE_S = 10;
/** Pings in flight at once, as many cron jobs on a few hosts would send them. */
const CONCURRENCY = 16;

const tokenOf = (i: number) => `bench-heartbeat-${String(i).padStart(6, '0')}`;

async function serve(dir: string, yaml: string): Promise<{ child: ChildProcess; base: string }> {
  const configPath = path.join(dir, 'dayshift.yaml');
  writeFileSync(configPath, yaml);
  const child = spawn(
    process.execPath,
    [path.resolve('dist/cli/main.js'), '--config', configPath, 'serve', '--listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DAYSHIFT_DATABASE_URL: '', DAYSHIFT_LOG_LEVEL: 'info' },
    },
  );
  // The node logs the address it listens on; the bench pings it there.
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dayshift serve exited with ${code}`)));
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const address = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(line)?.[1];
        if (address) resolve(address);
      }
    });
  });
  child.stdout?.resume();
  return { child, base };
}

/** Pings every check in `ids` once, CONCURRENCY at a time. */
async function pingAll(base: string, ids: readonly number[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length) {
        const i = ids[next++] as number;
        const response = await fetch(`${base}/ping/${tokenOf(i)}`, { method: 'POST', body: 'ok' });
        await response.arrayBuffer();
      }
    }),
  );
}

export interface HeartbeatLateness {
  p50: number;
  p99: number;
  max: number;
  fired: number;
  falseAlerts: number;
}

/** Runs the case and prints its lines; returns the figures. */
export async function heartbeatCase(): Promise<HeartbeatLateness> {
  const checks = Array.from(
    { length: HEARTBEATS },
    (_, i) =>
      `      h${i}: { heartbeat: { period: ${PERIOD_S}s, grace: ${GRACE_S}s, token: ${tokenOf(i)} } }`,
  ).join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-heartbeats-'));
  const { child, base } = await serve(
    dir,
    `version: 1\nservices:\n  cron:\n    checks:\n${checks}\nalerting: { repeat: 0s, flapping: { changes: 100000, window: 1m } }\n`,
  );
  const db = new Database(path.join(dir, '.dayshift', 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const all = Array.from({ length: HEARTBEATS }, (_, i) => i);
    // Silent checks stop one by one over a period, so their deadlines do not all fall at once.
    const stopAt = new Map(
      all.slice(0, SILENT).map((i) => [i, performance.now() + Math.random() * PERIOD_S * 1_000]),
    );
    const end = performance.now() + (PERIOD_S * 2 + GRACE_S + 5) * 1_000;
    while (performance.now() < end) {
      const round = performance.now();
      await pingAll(
        base,
        all.filter((i) => (stopAt.get(i) ?? Number.POSITIVE_INFINITY) > round),
      );
      await sleep(Math.max(0, (PERIOD_S * 1_000) / 2 - (performance.now() - round)));
    }
    const firing = () =>
      db
        .prepare(
          `select a.check_id as id, a.fired_at as fired, a.started_at as started, h.last_ping_at as last
             from alerts a join heartbeats h on h.check_id = a.check_id
            where a.fired_at is not null`,
        )
        .all() as Array<{ id: string; fired: number; started: number; last: number }>;
    const waitUntil = performance.now() + 60_000;
    while (firing().filter((r) => Number(r.id.slice('cron.h'.length)) < SILENT).length < SILENT) {
      if (performance.now() > waitUntil) break;
      await sleep(200);
    }
    const rows = firing();
    const silent = rows.filter((r) => Number(r.id.slice('cron.h'.length)) < SILENT);
    const late = silent
      .map((r) => Number(r.fired) - (Number(r.last) + (PERIOD_S + GRACE_S) * 1_000))
      .sort((a, b) => a - b);
    // Where the time goes: from the deadline to the run that saw the check late, then to the alert.
    const toRun = silent
      .map((r) => Number(r.started) - (Number(r.last) + (PERIOD_S + GRACE_S) * 1_000))
      .sort((a, b) => a - b);
    const toAlert = silent.map((r) => Number(r.fired) - Number(r.started)).sort((a, b) => a - b);
    const result = {
      p50: quantile(late, 0.5),
      p99: quantile(late, 0.99),
      max: late.at(-1) ?? Number.NaN,
      fired: silent.length,
      falseAlerts: rows.length - silent.length,
    };
    const f = (ms: number) => `${Math.round(ms)} ms`;
    process.stdout.write(
      [
        '',
        `heartbeats: ${HEARTBEATS} heartbeat checks (period ${PERIOD_S}s, grace ${GRACE_S}s) pinged over HTTP; ${SILENT} stop pinging`,
        `  alert fired past period + grace after the last ping: p50 ${f(result.p50)}  p99 ${f(result.p99)}  max ${f(result.max)} (goal: p99 < 1000 ms)`,
        `  of which deadline → the run that saw it late: p50 ${f(quantile(toRun, 0.5))}  p99 ${f(quantile(toRun, 0.99))}; that run → alert fired: p50 ${f(quantile(toAlert, 0.5))}  p99 ${f(quantile(toAlert, 0.99))}`,
        `  ${result.fired} of ${SILENT} silent checks alerted; ${result.falseAlerts} alerts for checks that kept pinging`,
        `  the interval approach it replaces (every 30s, retries 3) is at least ${f(60_000)} late`,
        '',
      ].join('\n'),
    );
    return result;
  } finally {
    db.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
