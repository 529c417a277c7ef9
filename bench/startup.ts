/**
 * `npm run bench -- startup`: how long a `dayshift` command takes to start and finish, against
 * `node -e 0` measured by hyperfine in the same run (this machine's noise moves both alike, so the
 * figure that counts is the ratio of the medians).
 *
 *   --help          commander and the verb table only          goal ≤ 2.5 × node
 *   validate        the quickstart: YAML, every plugin's options, every cross-reference   goal ≤ 3.5 × node
 *   status          the quickstart on a fresh SQLite store in a temporary directory (migrated by the
 *                   warm-up runs, then read): the store and Kysely on top of validate; no goal
 *   validate 5,000  a generated file of 5,000 http checks: what a big file costs; no goal
 *
 * Needs hyperfine (https://github.com/sharkdp/hyperfine; `apt-get install hyperfine`). Builds dist/
 * first when a file under src/ is newer than dist/cli/main.js (scripts/bundle.mjs --if-stale). BENCH_RUNS (15) and BENCH_WARMUP (3)
 * set hyperfine's --runs and --warmup. The goals are on the wall-time medians; the CPU columns (user +
 * system, as hyperfine reports them) say the same on a machine busy with other work, where waiting
 * for a core inflates every wall time.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 15));
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CLI = path.resolve('dist/cli/main.js');
const QUICKSTART = path.resolve('examples/quickstart');
const BIG_CHECKS = 5_000;

/** One command hyperfine times; `goal` is the most its median may be, as a multiple of node's. */
interface Case {
  name: string;
  argv: string[];
  goal?: number;
}

/** What hyperfine's --export-json holds for each command (the fields read here). */
interface HyperfineResult {
  command: string;
  median: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  /** Mean CPU seconds in user and kernel mode: unlike wall time, barely moved by other load. */
  user: number;
  system: number;
}

export async function main(): Promise<void> {
  requireHyperfine();
  buildIfStale();
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-startup-'));
  try {
    // status opens the store beside the stack file (.dayshift/state.db): a copy of the quickstart in
    // a temporary directory gives it a fresh one, which the warm-up runs create and migrate.
    const stack = path.join(dir, 'quickstart');
    cpSync(QUICKSTART, stack, { recursive: true, filter: (src) => path.basename(src) !== '.dayshift' });
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, bigStack(BIG_CHECKS));
    const cases: Case[] = [
      { name: 'node -e 0', argv: ['node', '-e', '0'] },
      { name: '--help', argv: ['node', CLI, '--help'], goal: 2.5 },
      {
        name: 'validate',
        argv: ['node', CLI, '--config', path.join(QUICKSTART, 'dayshift.yaml'), 'validate'],
        goal: 3.5,
      },
      { name: 'status', argv: ['node', CLI, '--config', path.join(stack, 'dayshift.yaml'), 'status'] },
      {
        name: `validate ${BIG_CHECKS.toLocaleString('en')}`,
        argv: ['node', CLI, '--config', big, 'validate'],
      },
    ];
    const load = loadavg()[0] ?? 0;
    process.stderr.write(
      `startup bench: hyperfine, ${WARMUP} warm-up and ${RUNS} timed runs per command, load average ${load.toFixed(2)}\n`,
    );
    const env = benchEnv();
    for (const c of cases) runOnce(c, env);
    const results = runHyperfine(cases, env, path.join(dir, 'hyperfine.json'));
    report(cases, results, load);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function requireHyperfine(): void {
  const probe = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new Error(
      'the startup bench needs hyperfine, which is not on PATH: install it (apt-get install hyperfine, or cargo install hyperfine) and run it again',
    );
}

/** dist/ is what users run; a source change not built yet would be measured as the old code. */
function buildIfStale(): void {
  const build = spawnSync(process.execPath, [path.resolve('scripts/bundle.mjs'), '--if-stale'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the build failed; fix it, or run npm run build, then the bench');
}

function benchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The quickstart's store is SQLite beside the file; a PostgreSQL URL from the shell would replace it.
  delete env.DAYSHIFT_DATABASE_URL;
  delete env.DAYSHIFT_CONFIG;
  return env;
}

/** Each command once before timing: one that fails is shown with its own output, not as hyperfine's exit. */
function runOnce(c: Case, env: NodeJS.ProcessEnv): void {
  const [program, ...args] = c.argv as [string, ...string[]];
  const run = spawnSync(program, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0)
    throw new Error(
      `${c.argv.map(quote).join(' ')} exited with ${run.status ?? run.signal}:\n${run.stderr || run.stdout}`,
    );
}

function runHyperfine(cases: readonly Case[], env: NodeJS.ProcessEnv, exportFile: string): HyperfineResult[] {
  const run = spawnSync(
    'hyperfine',
    [
      '--shell=none',
      '--warmup',
      String(WARMUP),
      '--runs',
      String(RUNS),
      '--style',
      'basic',
      '--export-json',
      exportFile,
      ...cases.flatMap((c) => [`--command-name=${c.name}`, c.argv.map(quote).join(' ')]),
    ],
    // hyperfine's progress and summaries go to stderr; stdout holds the table and the JSON line only.
    { env, stdio: ['ignore', 2, 2] },
  );
  if (run.status !== 0) throw new Error(`hyperfine exited with ${run.status ?? run.signal}`);
  const { results } = JSON.parse(readFileSync(exportFile, 'utf8')) as { results: HyperfineResult[] };
  if (results.length !== cases.length) throw new Error('hyperfine reported fewer commands than it was given');
  return results;
}

function report(cases: readonly Case[], results: readonly HyperfineResult[], load: number): void {
  const ms = (s: number) => Math.round(s * 10_000) / 10;
  const node = results[0] as HyperfineResult;
  const figures = cases.map((c, i) => {
    const r = results[i] as HyperfineResult;
    const ratio = Math.round((r.median / node.median) * 100) / 100;
    const cpu = r.user + r.system;
    return {
      name: c.name,
      command: c.argv.map(quote).join(' '),
      medianMs: ms(r.median),
      minMs: ms(r.min),
      stddevMs: ms(r.stddev),
      ratio,
      cpuMs: ms(cpu),
      cpuRatio: Math.round((cpu / (node.user + node.system)) * 100) / 100,
      ...(c.goal === undefined ? {} : { goal: c.goal, pass: ratio <= c.goal }),
    };
  });
  const rows = figures.map((f) => [
    f.name,
    `${f.medianMs} ms`,
    `± ${f.stddevMs}`,
    `${f.ratio.toFixed(2)} ×`,
    `${f.cpuMs} ms`,
    `${f.cpuRatio.toFixed(2)} ×`,
    f.goal === undefined ? '' : `goal ≤ ${f.goal} × node: ${f.pass ? 'pass' : 'FAIL'}`,
  ]);
  const header = ['command', 'median', 'stddev', 'vs node -e 0', 'CPU (mean)', 'CPU vs node', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  if (load > availableParallelism())
    process.stdout.write(
      `the load average (${load.toFixed(1)}) is above the ${availableParallelism()} cores: wall times include waiting for a core, and the CPU columns are the steadier figures\n`,
    );
  process.stdout.write(
    `${JSON.stringify({ bench: 'startup', runs: RUNS, warmup: WARMUP, loadAverage: Math.round(load * 100) / 100, results: figures })}\n`,
  );
}

/** Quoted for hyperfine's own word splitting (--shell=none), which follows the shell's quotes. */
function quote(word: string): string {
  return /^[\w./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** BIG_CHECKS http checks over 100 services, the shape of bench/checks.ts's stack file. */
function bigStack(checks: number): string {
  const lines = ['version: 1', 'services:'];
  const perService = Math.ceil(checks / 100);
  for (let i = 0; i < checks; i++) {
    if (i % perService === 0) lines.push(`  svc${i / perService}:`, '    checks:');
    lines.push(
      `      c${i}: { http: { url: "http://127.0.0.1:9/health?c=${i}" }, expect: [ "status == 200", "json.status == 'ok'" ], every: 10s, timeout: 5s }`,
    );
  }
  return `${lines.join('\n')}\n`;
}
