/**
 * `npm run bench -- backup`: Dayshift's backups against the raw tools, in the same run, on a pgbench
 * database (scale BENCH_SCALE, 70 by default: about 1 GB).
 *
 *   backup to local   dayshift backup run      vs  pg_dump -Fc > file
 *   backup to restic  dayshift backup run      vs  pg_dump -Fc | restic backup --stdin
 *   drill             dayshift backup drill    vs  createdb + pg_restore + a count query
 *
 * Each pair runs alternately, BENCH_ROUNDS times (2), and the ratio is taken from the medians. The peak
 * RSS of each Dayshift process is read from /proc (VmHWM) while it runs. Needs PostgreSQL on
 * 127.0.0.1:5432 (trust), pgbench, pg_dump, pg_restore, restic, and a built dist/ (npm run build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const SCALE = Number(process.env.BENCH_SCALE ?? 70);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SERVER = process.env.DAYSHIFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `dayshift_bench_s${SCALE}`;
const CLI = path.resolve('dist/cli/main.js');

function urlOf(database: string): string {
  const u = new URL(SERVER);
  u.pathname = `/${database}`;
  return u.toString();
}

async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs a shell command; resolves with its wall time and, for Dayshift, the peak RSS it reached. */
function timed(command: string, env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    let peakKb = 0;
    const sample = setInterval(() => {
      // The shell's children: the node process is the one whose peak we want.
      for (const pid of childrenOf(child.pid)) {
        const status = readProc(`/proc/${pid}/status`);
        const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
        if (hwm && /Name:\s+node/.test(status)) peakKb = Math.max(peakKb, Number(hwm));
      }
    }, 50);
    child.once('close', (code) => {
      clearInterval(sample);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${command} exited with ${code}: ${stderr}`));
      else resolve({ ms, peakRssMb: peakKb / 1024 });
    });
  });
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const direct = readProc(`/proc/${pid}/task/${pid}/children`)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return [pid, ...direct.flatMap((c) => childrenOf(c))];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function ensureDatabase(): Promise<void> {
  const exists = await sql<{ n: string }>(
    urlOf('postgres'),
    `select count(*) n from pg_database where datname = '${DB}'`,
  );
  if (exists[0]?.n === '1') {
    const rows = await sql<{ n: string }>(urlOf(DB), 'select count(*) n from pgbench_accounts').catch(
      () => [],
    );
    if (Number(rows[0]?.n) === SCALE * 100_000) return;
    await sql(urlOf('postgres'), `drop database ${DB} with (force)`);
  }
  await sql(urlOf('postgres'), `create database ${DB}`);
  process.stdout.write(`pgbench -i -s ${SCALE} ${DB} ...\n`);
  const u = new URL(SERVER);
  await timed(
    `pgbench -i -q -s ${SCALE} -h ${u.hostname} -p ${u.port || 5432} -U ${u.username || 'postgres'} ${DB}`,
  );
}

export async function main(): Promise<void> {
  await ensureDatabase();
  const [size] = await sql<{ bytes: string }>(urlOf(DB), `select pg_database_size('${DB}') bytes`);
  process.stdout.write(`database ${DB}: ${(Number(size?.bytes) / 2 ** 30).toFixed(2)} GiB\n`);
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-backup-'));
  const stack = path.join(dir, 'dayshift.yaml');
  writeFileSync(
    stack,
    `version: 1
stack: bench
repositories:
  here: { local: { path: local-repo } }
  offsite: { restic: { repository: restic-dayshift, password: bench-restic-pass } }
backups:
  db-local:
    source: { postgres: { url: "${urlOf(DB)}" } }
    repository: here
    drill: { assert: [ { sql: "select count(*) from pgbench_accounts", expect: "value > 0" } ] }
  db-restic:
    source: { postgres: { url: "${urlOf(DB)}" } }
    repository: offsite
`,
  );
  const u = new URL(SERVER);
  const conn = `-h ${u.hostname} -p ${u.port || 5432} -U ${u.username || 'postgres'}`;
  const dayshift = (args: string) => `node ${CLI} --config ${stack} ${args}`;
  const resticEnv = { RESTIC_PASSWORD: 'bench-restic-pass', RESTIC_REPOSITORY: path.join(dir, 'restic-raw') };
  await timed('restic init', resticEnv);
  await timed(dayshift('backup list db-restic')); // restic init for Dayshift's repository, outside the timing

  const pairs: Array<{
    name: string;
    raw: () => Promise<{ ms: number }>;
    ours: () => Promise<{ ms: number; peakRssMb: number }>;
  }> = [
    {
      name: 'backup to local',
      raw: () => timed(`pg_dump ${conn} -Fc -f ${path.join(dir, 'raw.dump')} ${DB}`),
      ours: () => timed(dayshift('backup run db-local')),
    },
    {
      name: 'backup to restic',
      raw: () =>
        timed(
          `pg_dump ${conn} -Fc ${DB} | restic backup --quiet --stdin --stdin-filename db.dump`,
          resticEnv,
        ),
      ours: () => timed(dayshift('backup run db-restic')),
    },
    {
      name: 'drill',
      raw: async () => {
        const scratch = `dayshift_bench_raw_${Date.now()}`;
        const result = await timed(
          `createdb ${conn} ${scratch} && pg_restore ${conn} --no-owner -d ${scratch} ${path.join(dir, 'raw.dump')} && psql ${conn} -d ${scratch} -tAc 'select count(*) from pgbench_accounts' >/dev/null`,
        );
        await sql(urlOf('postgres'), `drop database ${scratch} with (force)`);
        return result;
      },
      ours: () => timed(dayshift('backup drill db-local')),
    },
  ];
  const lines: string[] = [];
  for (const pair of pairs) {
    const raw: number[] = [];
    const ours: number[] = [];
    let peak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      raw.push((await pair.raw()).ms);
      const o = await pair.ours();
      ours.push(o.ms);
      peak = Math.max(peak, o.peakRssMb);
    }
    const line = `${pair.name.padEnd(17)} raw ${(median(raw) / 1000).toFixed(2)}s  dayshift ${(median(ours) / 1000).toFixed(2)}s  ratio ${(median(ours) / median(raw)).toFixed(3)}  dayshift peak RSS ${peak.toFixed(0)} MB  (raw ${raw.map((x) => (x / 1000).toFixed(2)).join('/')}, dayshift ${ours.map((x) => (x / 1000).toFixed(2)).join('/')})`;
    lines.push(line);
    process.stdout.write(`${line}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\nscale ${SCALE}, ${ROUNDS} rounds, medians\n${lines.join('\n')}\n`);
}
