/**
 * The third part of `npm run bench -- operate`: an alert that starts a runbook, from the alert firing
 * to the first step of the run it started.
 *
 * `dayshift serve` (the built CLI, an embedded SQLite store in a temporary directory) watches a TCP
 * port the bench owns (`every: 1s`, `retries: 1`); a runbook has `on: { alert: "check:target.port" }`
 * and a first `shell` step. Each trial closes the port, waits for the alert to fire and the run's
 * first step to be recorded, opens the port again, and waits for the alert to resolve and the run to
 * end, so the next trial starts from a resolved alert and no run going (the runbook allows one at a
 * time, and sets no `max_runs`). The figure is the first step's `started_at` (run_steps) minus the
 * alert's `fired_at` (alerts), both written by the node with one clock. Its baseline is the alert
 * engine's own pass (`dayshift serve` reconciles alerts every ALERT_TICK_MS): what the alert waits
 * for before it can fire at all. The time from the port closing to the alert firing is shown beside
 * it; it is the check's interval and retries, not the runbook's doing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CLI } from '../test/helpers/built-cli.js';
import { Target } from '../test/helpers/target.js';
import { until, within } from '../test/helpers/wait.js';
import { benchEnv, undoOnInterrupt } from './operate-timing.js';

const TRIALS = Number(process.env.BENCH_ALERT_TRIALS ?? 10);
/** How often `dayshift serve` reconciles alerts: the alert engine's default (src/alerts/engine.ts). */
export const ALERT_TICK_MS = 500;
const KEY = 'check:target.port';

export interface AlertResult {
  trials: number;
  alertTickMs: number;
  /** Alert fired → the run's first step started, per trial (ms). */
  toFirstStep: number[];
  /** Port closed → alert fired, per trial (ms): the check's detection, for context. */
  toFired: number[];
}

function stackFile(port: number): string {
  return `version: 1
services:
  target:
    checks:
      port: { tcp: { host: 127.0.0.1, port: ${port} }, every: 1s, timeout: 500ms, retries: 1 }
alerting: { flapping: { changes: 100000, window: 1m } }
runbooks:
  reopen:
    on: { alert: "${KEY}" }
    steps:
      - shell: "true"
      - shell: "true"
`;
}

async function serve(configPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, '--config', configPath, 'serve', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: benchEnv({ DAYSHIFT_LOG_LEVEL: 'info' }),
  });
  let said = '';
  const serving = new Promise<void>((resolve, reject) => {
    const read = (c: Buffer) => {
      said = (said + c.toString()).slice(-4_000);
      if (said.includes('dayshift serving')) resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`dayshift serve exited with ${code}: ${said}`)));
  });
  await within(serving, 'dayshift serve to listen', 30_000);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await within(exited, 'dayshift serve to stop after SIGTERM', 30_000).catch(() => child.kill('SIGKILL'));
}

export async function alertCase(): Promise<AlertResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-operate-alert-'));
  const target = await Target.start();
  let node: ChildProcess | undefined;
  let db: Database.Database | undefined;
  const forget = undoOnInterrupt(async () => {
    node?.kill('SIGTERM');
    await target.down();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(configPath, stackFile(target.port));
    node = await serve(configPath);
    db = new Database(path.join(dir, '.dayshift', 'state.db'), { readonly: true, fileMustExist: true });
    const firing = db.prepare<[string, number], { id: number; fired_at: number }>(
      `select id, fired_at from alerts where key = ? and state = 'firing' and id > ? order by id limit 1`,
    );
    const alertState = db.prepare<[number], { state: string }>('select state from alerts where id = ?');
    const firstStep = db.prepare<[string], { run_id: number; started_at: number; status: string }>(
      `select s.run_id, s.started_at, r.status from runs r join run_steps s on s.run_id = r.id
       where r.trigger = ? and s.position = 1`,
    );
    const runStatus = db.prepare<[number], { status: string }>('select status from runs where id = ?');
    const toFirstStep: number[] = [];
    const toFired: number[] = [];
    let lastAlert = 0;
    // The check has passed once before the first trial: a healthy state to go down from.
    const healthy = db.prepare<[], { state: string }>(
      `select state from check_states where check_id = 'target.port' and state = 'healthy'`,
    );
    await until(() => healthy.get(), 'check target.port to be healthy', 30_000);
    for (let trial = 0; trial < TRIALS; trial++) {
      const downAt = Date.now();
      await target.down();
      const alert = await until(
        () => firing.get(KEY, lastAlert),
        `alert ${KEY} to fire (trial ${trial + 1})`,
        30_000,
        10,
      );
      lastAlert = alert.id;
      const step = await until(
        () => firstStep.get(`alert:${KEY}#${alert.id}`),
        `the first step of the run alert ${alert.id} started`,
        30_000,
        10,
      );
      toFired.push(alert.fired_at - downAt);
      toFirstStep.push(step.started_at - alert.fired_at);
      await target.up();
      await until(
        () => (alertState.get(alert.id)?.state === 'resolved' ? true : undefined),
        `alert ${alert.id} to resolve`,
        30_000,
        20,
      );
      const ended = await until(
        () => {
          const status = runStatus.get(step.run_id)?.status;
          return status && status !== 'running' && status !== 'waiting' ? status : undefined;
        },
        `run ${step.run_id} to end`,
        30_000,
        20,
      );
      // A run that failed measured something else than a remediation that works.
      if (ended !== 'succeeded') throw new Error(`run ${step.run_id} of the runbook ended ${ended}`);
    }
    return { trials: TRIALS, alertTickMs: ALERT_TICK_MS, toFirstStep, toFired };
  } finally {
    forget();
    db?.close();
    if (node) await stop(node);
    await target.down();
    rmSync(dir, { recursive: true, force: true });
  }
}
