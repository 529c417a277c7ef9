import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { TEST_PG_URL } from '../global-setup.js';
import { until } from './wait.js';

export const TEST_MYSQL_URL = process.env.DAYSHIFT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/**
 * What a failed backup must not leave behind, each as a list of what is still there (empty: nothing):
 * sessions of a role in pg_stat_activity, of a user in MariaDB's processlist, processes whose command
 * line holds a marker (a test's unique database name or directory), temp entries in a directory.
 * A test makes its own role, user and marker, so tests running beside it do not count.
 */
export interface LeftoverProbe {
  pgRole?: string;
  mysqlUser?: string;
  /** A string only the test's own processes (dump tools, wrappers, tar) have on their command line. */
  processMarker?: string;
  /** A directory that must hold no entry starting with one of `prefixes`. */
  tempDir?: { path: string; prefixes: string[] };
}

export async function leftovers(probe: LeftoverProbe): Promise<string[]> {
  const found: string[] = [];
  if (probe.pgRole) {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string | null; query: string }>(
        'select state, query from pg_stat_activity where usename = $1',
        [probe.pgRole],
      );
      found.push(...rows.map((r) => `postgres session of ${probe.pgRole} (${r.state}): ${r.query}`));
    } finally {
      await client.end();
    }
  }
  if (probe.mysqlUser) {
    const u = new URL(TEST_MYSQL_URL);
    const conn = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    });
    try {
      const [rows] = await conn.query(
        'select command, info from information_schema.processlist where user = ?',
        [probe.mysqlUser],
      );
      found.push(
        ...(rows as Array<{ command: string; info: string | null }>).map(
          (r) => `mariadb session of ${probe.mysqlUser} (${r.command}): ${r.info ?? ''}`,
        ),
      );
    } finally {
      await conn.end();
    }
  }
  if (probe.processMarker) {
    const out = spawnSync('pgrep', ['-af', probe.processMarker], { encoding: 'utf8' }).stdout.trim();
    if (out) found.push(...out.split('\n').map((line) => `process ${line}`));
  }
  if (probe.tempDir) {
    const { path: dir, prefixes } = probe.tempDir;
    const names = readdirSync(dir).filter((n) => prefixes.some((p) => n.startsWith(p)));
    found.push(...names.map((n) => `temp entry ${dir}/${n}`));
  }
  return found;
}

/**
 * Waits until nothing is left (a closed connection takes a moment to leave the server's lists, a
 * killed tool to be reaped), failing after `timeoutMs` with what is still there.
 */
export async function expectNothingLeft(probe: LeftoverProbe, timeoutMs = 5_000): Promise<void> {
  let found: string[] = [];
  await until(
    async () => {
      found = await leftovers(probe);
      return found.length === 0 ? true : undefined;
    },
    () => `nothing left open after the backup failed; still open:\n${found.join('\n')}`,
    timeoutMs,
    50,
  );
}

/**
 * Kills with SIGKILL every process whose working directory is `dir`: what a test started there and
 * could not stop itself (a server under `script`, which runs it in a session of its own, outlives a
 * signal to `script`'s group). For an afterAll, so a failed assertion never leaves a server running.
 * Returns the pids killed.
 */
export function killProcessesIn(dir: string): number[] {
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== dir) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}
