/**
 * `npm run bench -- alerting`: how fast a failure becomes a notification, with `dayshift serve` (the
 * built CLI, embedded SQLite store) running 1,000 other checks, and how fast a storm's digest arrives.
 *
 * Latency: LANES targets each watched by a check (`every: 1s`, `retries: 1`) that notifies its own
 * webhook path; each lane takes a target down, waits for the notification, brings it back up and
 * waits for the resolve, TRIALS / LANES times. The figure is the time from the target going down to
 * the notification arriving, against the theoretical minimum (every × retries) the check needs to
 * see the failure; the baseline is one bare POST to the same receiver, measured in the same run.
 *
 * Storm: STORM checks (`every: 1s`, `retries: 1`) on one target that goes down; the time until every
 * alert has arrived, in how many messages, against the grouping interval.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeatCase } from './alerting-heartbeats.js';
import { quantile } from './quantile.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 200);
const LANES = Number(process.env.BENCH_LANES ?? 20);
const OTHERS = Number(process.env.BENCH_OTHER_CHECKS ?? 1_000);
const STORM = Number(process.env.BENCH_STORM ?? 1_000);
const GROUP_S = Number(process.env.BENCH_GROUP_S ?? 5);
const EVERY_S = 1;
const RETRIES = 1;

interface Arrival {
  path: string;
  at: number;
  alerts: Array<{ key: string; event: string }>;
}

class Receiver {
  readonly arrivals: Arrival[] = [];
  readonly waiters: Array<() => void> = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { alerts?: Arrival['alerts'] };
      this.arrivals.push({ path: req.url ?? '/', at, alerts: body.alerts ?? [] });
      res.writeHead(200).end('{}');
      for (const wake of this.waiters.splice(0)) wake();
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** Resolves with the arrival time of the first alert event matching, after `since`. */
  async waitFor(
    match: (path: string, a: { key: string; event: string }) => boolean,
    since: number,
  ): Promise<number> {
    for (;;) {
      const hit = this.arrivals.find((x) => x.at >= since && x.alerts.some((a) => match(x.path, a)));
      if (hit) return hit.at;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

class Target {
  server: net.Server | undefined;
  sockets = new Set<net.Socket>();
  port = 0;
  async up(): Promise<void> {
    const server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.end();
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', () => r()));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server?.close(() => r()));
  }
}

async function startServe(dir: string, yaml: string): Promise<ChildProcess> {
  const configPath = path.join(dir, 'dayshift.yaml');
  writeFileSync(configPath, yaml);
  const child = spawn(
    process.execPath,
    [path.resolve('dist/cli/main.js'), '--config', configPath, 'serve', '--listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DAYSHIFT_DATABASE_URL: '', DAYSHIFT_LOG_LEVEL: 'warn' },
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dayshift serve exited with ${code}`)));
    // Warm-up: every check runs a few times before the trials start.
    setTimeout(resolve, 5_000);
  });
  return child;
}

async function bareBaseline(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await fetch(`${url}/baseline`, { method: 'POST', body: '{"alerts":[]}' });
    times.push(performance.now() - t0);
  }
  return quantile(
    times.sort((a, b) => a - b),
    0.99,
  );
}

async function latency(): Promise<{
  p50: number;
  p99: number;
  max: number;
  min: number;
  baselineP99: number;
}> {
  const receiver = new Receiver();
  const url = await receiver.start();
  const background = new Target();
  await background.up();
  const lanes = await Promise.all(
    Array.from({ length: LANES }, async () => {
      const t = new Target();
      await t.up();
      return t;
    }),
  );
  const others = Array.from(
    { length: OTHERS },
    (_, i) => `      o${i}: { tcp: { host: 127.0.0.1, port: ${background.port} }, every: 10s, timeout: 2s }`,
  ).join('\n');
  const trials = lanes
    .map(
      (t, i) =>
        `      t${i}: { tcp: { host: 127.0.0.1, port: ${t.port} }, every: ${EVERY_S}s, timeout: 500ms, retries: ${RETRIES}, notify: [lane${i}] }`,
    )
    .join('\n');
  const notifiers = lanes.map((_, i) => `  lane${i}: { webhook: { url: "${url}/lane${i}" } }`).join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-alerting-'));
  const child = await startServe(
    dir,
    `version: 1\nservices:\n  others:\n    checks:\n${others}\n  trials:\n    checks:\n${trials}\nalerting: { group_interval: 1s, repeat: 0s, flapping: { changes: 100000, window: 1m } }\nnotifiers:\n${notifiers}\n`,
  );
  try {
    const baselineP99 = await bareBaseline(url);
    const results: number[] = [];
    const perLane = Math.ceil(TRIALS / LANES);
    await Promise.all(
      lanes.map(async (target, i) => {
        const key = `check:trials.t${i}`;
        for (let n = 0; n < perLane; n++) {
          await sleep(Math.random() * 1_000);
          const downAt = performance.now();
          await target.down();
          const firedAt = await receiver.waitFor(
            (p, a) => p === `/lane${i}` && a.key === key && a.event === 'firing',
            downAt,
          );
          results.push(firedAt - downAt);
          const upAt = performance.now();
          await target.up();
          await receiver.waitFor(
            (p, a) => p === `/lane${i}` && a.key === key && a.event === 'resolved',
            upAt,
          );
          // The next notification to this lane waits for its grouping interval; start the next trial after it.
          await sleep(1_100);
        }
      }),
    );
    const sorted = results.sort((a, b) => a - b);
    return {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? Number.NaN,
      min: sorted[0] ?? Number.NaN,
      baselineP99,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    receiver.server.close();
    await background.down();
    for (const l of lanes) await l.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storm(): Promise<{
  firstMs: number;
  allMs: number;
  messages: number;
  alerts: number;
  duplicates: number;
}> {
  const receiver = new Receiver();
  const url = await receiver.start();
  const target = new Target();
  await target.up();
  const checks = Array.from(
    { length: STORM },
    (_, i) =>
      `      s${i}: { tcp: { host: 127.0.0.1, port: ${target.port} }, every: ${EVERY_S}s, timeout: 500ms, retries: ${RETRIES} }`,
  ).join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-storm-'));
  // Failing together once: no flapping to speak of.
  const child = await startServe(
    dir,
    `version: 1\nservices:\n  fleet:\n    checks:\n${checks}\nalerting: { group_interval: ${GROUP_S}s, repeat: 0s }\nnotifiers:\n  ops: { webhook: { url: "${url}/ops" } }\n`,
  );
  try {
    const downAt = performance.now();
    await target.down();
    const deadline = downAt + 60_000;
    while (receiver.arrivals.flatMap((a) => a.alerts).length < STORM && performance.now() < deadline)
      await sleep(20);
    await sleep(GROUP_S * 1_000 + 1_000);
    const keys = receiver.arrivals.flatMap((a) => a.alerts.map((x) => x.key));
    const lastNeeded = receiver.arrivals.find(
      (_, i) => receiver.arrivals.slice(0, i + 1).flatMap((a) => a.alerts).length >= STORM,
    );
    return {
      firstMs: (receiver.arrivals[0]?.at ?? Number.NaN) - downAt,
      allMs: (lastNeeded?.at ?? Number.NaN) - downAt,
      messages: receiver.arrivals.length,
      alerts: new Set(keys).size,
      duplicates: keys.length - new Set(keys).size,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    receiver.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  process.stderr.write(
    `alerting bench: ${TRIALS} trials in ${LANES} lanes beside ${OTHERS} other checks; storm of ${STORM}; ${cpus().length} cores\n`,
  );
  const minimumMs = EVERY_S * RETRIES * 1_000;
  const l = await latency();
  const s = await storm();
  const f = (ms: number) => `${Math.round(ms)} ms`;
  process.stdout.write(
    [
      '',
      `latency, target down → notification at the webhook (${TRIALS} trials, every ${EVERY_S}s × retries ${RETRIES}, ${OTHERS} other checks running)`,
      `  min ${f(l.min)}  p50 ${f(l.p50)}  p99 ${f(l.p99)}  max ${f(l.max)}`,
      `  theoretical minimum (every × retries): ${f(minimumMs)}; p99 is ${f(l.p99 - minimumMs)} above it (goal ≤ 1000 ms)`,
      `  baseline: one bare POST to the same receiver, p99 ${l.baselineP99.toFixed(1)} ms; p99 latency / (minimum + baseline) = ${(l.p99 / (minimumMs + l.baselineP99)).toFixed(2)}`,
      '',
      `storm: ${STORM} checks failing together, grouping interval ${GROUP_S}s`,
      `  first message after ${f(s.firstMs)}; every alert delivered after ${f(s.allMs)} in ${s.messages} message(s)`,
      `  ${s.alerts} distinct alerts, ${s.duplicates} duplicates; detection spread (every × retries) ${f(minimumMs)}`,
      `  delivered within grouping interval + 1 s of the first message: ${s.allMs - s.firstMs <= GROUP_S * 1_000 + 1_000 ? 'yes' : 'no'} (${f(s.allMs - s.firstMs)})`,
      '',
    ].join('\n'),
  );
  const ms = (n: number) => Math.round(n * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'alerting',
      trials: TRIALS,
      lanes: LANES,
      otherChecks: OTHERS,
      latency: {
        minMs: ms(l.min),
        p50Ms: ms(l.p50),
        p99Ms: ms(l.p99),
        maxMs: ms(l.max),
        minimumMs,
        baselineP99Ms: ms(l.baselineP99),
        ratio: Math.round((l.p99 / (minimumMs + l.baselineP99)) * 100) / 100,
      },
      storm: {
        checks: STORM,
        groupIntervalMs: GROUP_S * 1_000,
        firstMs: ms(s.firstMs),
        allMs: ms(s.allMs),
        messages: s.messages,
        alerts: s.alerts,
        duplicates: s.duplicates,
      },
    })}\n`,
  );
  await heartbeatCase();
}
