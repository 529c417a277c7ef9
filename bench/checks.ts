/**
 * `npm run bench -- checks`: N HTTP checks against a local keep-alive HTTP server (in its own process),
 * run by one Dayshift node's timer with the embedded SQLite store, as `dayshift serve` runs them.
 *
 * Reports sustained checks/s, p99 scheduling lag (actual start minus due time), the node's CPU and
 * RSS, and the samples that reached the store. The baseline, measured in the same run against the same
 * server: a bare keep-alive request loop with no scheduling, conditions or store, run flat out; Dayshift's
 * CPU per check is reported as a ratio of the bare loop's CPU per request.
 *
 * Then the storage part (bench/checks-storage.ts): growth per check per day at a 60 s interval over
 * 30 simulated days on a manual clock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigOrThrow } from '../src/config/load.js';
import { Monitor } from '../src/monitor/monitor.js';
import { openStore } from '../src/store/index.js';
import { systemClock } from '../src/util/clock.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const EVERY_S = Number(process.env.BENCH_EVERY_S ?? 10);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
const BASELINE_S = Number(process.env.BENCH_BASELINE_S ?? 10);
/** `tcp` measures the scheduler and the store without HTTP's cost. */
const KIND = process.env.BENCH_KIND === 'tcp' ? 'tcp' : 'http';

const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ status: 'ok' });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export interface ThroughputFigures {
  checks: number;
  everyS: number;
  loadConfigMs: number;
  checksPerSecond: number;
  targetPerSecond: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  cpuPct: number;
  cpuUsPerCheck: number;
  rssMb: number;
  samplesWritten: number;
  failedRuns: number;
}

export async function main(): Promise<void> {
  process.stderr.write(`checks bench: ${CHECKS} ${KIND} checks every ${EVERY_S}s, ${cpus().length} cores\n`);
  const server = await startServer();
  try {
    process.stderr.write('  baseline: a bare keep-alive request loop... ');
    const baseline = await bareLoop(server.port);
    process.stderr.write(`${Math.round(baseline.requestsPerSecond)} req/s\n`);
    process.stderr.write(`  dayshift: ${CHECKS} checks for ${MEASURE_S}s after one interval of warm-up... `);
    const figures = await monitorRun(server.port);
    process.stderr.write(`${Math.round(figures.checksPerSecond)} checks/s\n`);
    const storage = await (await import('./checks-storage.js')).measureStorage();
    report(figures, baseline, storage);
  } finally {
    server.child.kill();
  }
}

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  return { child, port };
}

/** The baseline: as many keep-alive GETs as 16 loops can send, with nothing else going on. */
async function bareLoop(port: number): Promise<{ requestsPerSecond: number; cpuUsPerRequest: number }> {
  const agent = new http.Agent({ keepAlive: true });
  let done = 0;
  let stop = false;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => {
            if (res.statusCode === 200 && JSON.parse(text).status === 'ok') done++;
            resolve();
          });
        })
        .on('error', reject);
    });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const loops = Array.from({ length: 16 }, async () => {
    while (!stop) await one();
  });
  await sleep(BASELINE_S * 1000);
  stop = true;
  await Promise.all(loops);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return { requestsPerSecond: done / seconds, cpuUsPerRequest: (used.user + used.system) / done };
}

async function monitorRun(port: number): Promise<ThroughputFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-checks-'));
  try {
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(configPath, stackYaml(port));
    const loadStarted = performance.now();
    const { config } = loadConfigOrThrow(configPath);
    const loadConfigMs = performance.now() - loadStarted;
    const store = await openStore({ sqlitePath: path.join(dir, 'state.db') });
    await store.migrate();
    const monitor = new Monitor({ store, config, baseDir: dir, clock: systemClock, nodeId: 'bench' });
    await monitor.start();
    await sleep(EVERY_S * 1000);

    monitor.scheduler.lag.reset();
    const startedRuns = monitor.scheduler.started;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let rss = 0;
    while (performance.now() - t0 < MEASURE_S * 1000) {
      rss = Math.max(rss, process.memoryUsage().rss);
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    const runs = monitor.scheduler.started - startedRuns;
    const used = process.cpuUsage(cpu);
    const figures = {
      lagP50Ms: monitor.scheduler.lag.quantile(0.5),
      lagP99Ms: monitor.scheduler.lag.quantile(0.99),
      lagMaxMs: monitor.scheduler.lag.max,
    };
    await monitor.stop();
    const samples = await store.db
      .selectFrom('check_samples')
      .select((eb) => [
        eb.fn.countAll<number>().as('all'),
        eb.fn.countAll<number>().filterWhere('outcome', '=', 'fail').as('failed'),
      ])
      .executeTakeFirstOrThrow();
    await store.close();
    return {
      checks: CHECKS,
      everyS: EVERY_S,
      loadConfigMs: Math.round(loadConfigMs),
      checksPerSecond: runs / seconds,
      targetPerSecond: CHECKS / EVERY_S,
      ...figures,
      cpuPct: ((used.user + used.system) / 1000 / (seconds * 1000)) * 100,
      cpuUsPerCheck: (used.user + used.system) / runs,
      rssMb: rss / 1024 / 1024,
      samplesWritten: Number(samples.all),
      failedRuns: Number(samples.failed),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 100 services sharing the checks, as a big stack file would have them. */
function stackYaml(port: number): string {
  const lines = ['version: 1', 'services:'];
  const perService = Math.ceil(CHECKS / 100);
  for (let i = 0; i < CHECKS; i++) {
    if (i % perService === 0) lines.push(`  svc${i / perService}:`, '    checks:');
    const probe =
      KIND === 'tcp'
        ? `tcp: { host: 127.0.0.1, port: ${port} }`
        : `http: { url: "http://127.0.0.1:${port}/health?c=${i}" }, expect: [ "status == 200", "json.status == 'ok'" ]`;
    lines.push(`      c${i}: { ${probe}, every: ${EVERY_S}s, timeout: 5s }`);
  }
  return `${lines.join('\n')}\n`;
}

function report(
  f: ThroughputFigures,
  baseline: { requestsPerSecond: number; cpuUsPerRequest: number },
  storage: Awaited<ReturnType<typeof import('./checks-storage.js').measureStorage>>,
): void {
  const r = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  const rows: Array<[string, string, string]> = [
    ['checks / interval', `${f.checks} / ${f.everyS}s`, `target ${r(f.targetPerSecond, 0)} checks/s`],
    [
      'sustained checks/s',
      String(r(f.checksPerSecond, 0)),
      `${r(f.checksPerSecond / f.targetPerSecond, 3)} of target`,
    ],
    [
      'scheduling lag p50 / p99 / max',
      `${r(f.lagP50Ms)} / ${r(f.lagP99Ms)} / ${r(f.lagMaxMs)} ms`,
      'goal: p99 < 100 ms',
    ],
    ['node CPU', `${r(f.cpuPct)} % of one core`, `${r(f.cpuUsPerCheck)} µs per check`],
    [
      'CPU per check vs bare request',
      `${r(f.cpuUsPerCheck / baseline.cpuUsPerRequest, 2)} ×`,
      `bare loop: ${r(baseline.cpuUsPerRequest)} µs/req, ${r(baseline.requestsPerSecond, 0)} req/s flat out`,
    ],
    ['node RSS (max)', `${r(f.rssMb, 0)} MB`, 'goal: < 300 MB'],
    ['samples written / failed runs', `${f.samplesWritten} / ${f.failedRuns}`, ''],
    ['stack file load', `${f.loadConfigMs} ms`, `${f.checks} checks`],
    [
      'store growth per check per day',
      `${r(storage.steadyBytesPerCheckPerDay, 0)} B`,
      `days ${storage.steadyFromDay}–${storage.days}, goal ≤ 2048 B`,
    ],
    [
      'raw-only growth per check per day',
      `${r(storage.rawBytesPerCheckPerDay, 0)} B`,
      `days 0–2 (before retention), ${r(storage.rawBytesPerCheckPerDay / storage.steadyBytesPerCheckPerDay, 1)} × steady`,
    ],
    [
      'store per check after 30 days',
      `${r(storage.totalBytesPerCheck / 1024, 1)} KB`,
      'bounded: raw 48 h + rollups',
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  process.stdout.write(`${rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'checks', throughput: f, baseline, storage })}\n`);
}
