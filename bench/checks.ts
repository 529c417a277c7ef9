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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../src/store/index.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const EVERY_S = Number(process.env.BENCH_EVERY_S ?? 10);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
const BASELINE_S = Number(process.env.BENCH_BASELINE_S ?? 10);
/** Scrape /metrics every this many seconds during the window, as Prometheus would; 0 (default) never. */
const SCRAPE_EVERY_S = Number(process.env.BENCH_SCRAPE_EVERY_S ?? 0);
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
  /** p99 over the node's last 65,536 runs, which span the whole window. */
  lagP99Ms: number;
  /** How long one /metrics scrape took, after the window. */
  scrapeMs: number;
  cpuPct: number;
  cpuUsPerCheck: number;
  rssMb: number;
  samplesWritten: number;
  failedRuns: number;
}

export async function main(): Promise<void> {
  process.stderr.write(
    `checks bench: ${CHECKS} ${KIND} checks every ${EVERY_S}s, ${cpus().length} cores${SCRAPE_EVERY_S > 0 ? `, /metrics scraped every ${SCRAPE_EVERY_S}s` : ''}\n`,
  );
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

/**
 * Runs the built `dayshift serve` on the stack file, as an operator would, and reads its CPU and RSS
 * from /proc and its runs and lag from /metrics.
 */
async function monitorRun(port: number): Promise<ThroughputFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-checks-'));
  const configPath = path.join(dir, 'dayshift.yaml');
  writeFileSync(configPath, stackYaml(port));
  const node = spawn(
    process.execPath,
    [path.resolve('dist/cli/main.js'), '--config', configPath, 'serve', '--listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DAYSHIFT_DATABASE_URL: '' },
    },
  );
  try {
    const { address, loadConfigMs } = await serving(node);
    const pid = node.pid as number;
    await sleep(EVERY_S * 1000);
    // Nothing touches the node during the window: runs are counted from the samples it stored, and
    // its lag ring (the last 65,536 runs, 32 s at 2,000/s) is read once at the end. A scrape's own cost
    // is measured separately, as Prometheus would add it at its own interval.
    const before = { cpu: cpuSeconds(pid), wall: Date.now(), at: performance.now() };
    let rss = 0;
    let nextScrape = SCRAPE_EVERY_S > 0 ? before.at + SCRAPE_EVERY_S * 1000 : Number.POSITIVE_INFINITY;
    while (performance.now() - before.at < MEASURE_S * 1000) {
      rss = Math.max(rss, rssBytes(pid));
      if (performance.now() >= nextScrape) {
        nextScrape += SCRAPE_EVERY_S * 1000;
        void scrape(address);
      }
      await sleep(250);
    }
    const seconds = (performance.now() - before.at) / 1000;
    const cpu = cpuSeconds(pid) - before.cpu;
    const until = before.wall + Math.round(seconds * 1000);
    const scrapeStarted = performance.now();
    const end = await scrape(address);
    const scrapeMs = performance.now() - scrapeStarted;
    node.kill('SIGTERM');
    await new Promise((resolve) => node.once('exit', resolve));
    const store = await openStore({ sqlitePath: path.join(dir, '.dayshift', 'state.db') });
    const count = async (failedOnly: boolean) => {
      let query = store.db
        .selectFrom('check_samples')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('at', '>=', before.wall)
        .where('at', '<', until);
      if (failedOnly) query = query.where('outcome', '=', 'fail');
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    const runs = await count(false);
    const failed = await count(true);
    await store.close();
    return {
      checks: CHECKS,
      everyS: EVERY_S,
      loadConfigMs,
      checksPerSecond: runs / seconds,
      targetPerSecond: CHECKS / EVERY_S,
      lagP99Ms: end.lagP99 * 1000,
      cpuPct: (cpu / seconds) * 100,
      cpuUsPerCheck: (cpu * 1e6) / runs,
      rssMb: rss / 1024 / 1024,
      samplesWritten: runs,
      failedRuns: failed,
      scrapeMs,
    };
  } finally {
    if (node.exitCode === null) node.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for the node's "dayshift serving" log line; the time since spawn includes loading the file. */
async function serving(node: ChildProcess): Promise<{ address: string; loadConfigMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let buffered = '';
    node.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        if (!line.includes('dayshift serving')) continue;
        resolve({
          address: (JSON.parse(line) as { address: string }).address,
          loadConfigMs: Math.round(performance.now() - started),
        });
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    node.once('exit', (code) => reject(new Error(`dayshift serve exited with ${code}`)));
  });
}

async function scrape(address: string): Promise<{ lagP99: number }> {
  const text = await (await fetch(`${address}/metrics`)).text();
  const line = /^dayshift_check_schedule_lag_seconds\{quantile="0\.99"\} (\S+)$/m.exec(text);
  return { lagP99: Number(line?.[1] ?? Number.NaN) };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
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
    ['scheduling lag p99', `${r(f.lagP99Ms)} ms`, 'goal: < 100 ms'],
    ['node CPU', `${r(f.cpuPct)} % of one core`, `${r(f.cpuUsPerCheck)} µs per check`],
    [
      'CPU per check vs bare request',
      `${r(f.cpuUsPerCheck / baseline.cpuUsPerRequest, 2)} ×`,
      `bare loop: ${r(baseline.cpuUsPerRequest)} µs/req, ${r(baseline.requestsPerSecond, 0)} req/s flat out`,
    ],
    ['node RSS (max)', `${r(f.rssMb, 0)} MB`, 'goal: < 300 MB'],
    ['samples stored in the window / failed', `${f.samplesWritten} / ${f.failedRuns}`, ''],
    ['one /metrics scrape', `${r(f.scrapeMs, 0)} ms`, `${f.checks} checks' series`],
    ['start to serving', `${f.loadConfigMs} ms`, `loading ${f.checks} checks, migrating, listening`],
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
