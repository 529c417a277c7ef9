/**
 * A failed backup, as a user meets it: `dayshift backup run` and `dayshift serve` as real processes
 * (the built dist/; `npx tsc -p tsconfig.json` first), on real PostgreSQL and MariaDB with a role and a
 * user of this file's own. Whatever failed (a repository that refuses its passphrase, a restic password
 * that is wrong, a refused login, a dump tool killed mid-stream), the CLI prints the error and exits
 * within 5 s, `serve` exits within its shutdown deadline on SIGTERM, and neither leaves a session on
 * the server or a process behind. Neither may need the CLI's last-resort exit (which says so on
 * stderr) to get there.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { openStore } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { expectNothingLeft, type LeftoverProbe, TEST_MYSQL_URL } from '../helpers/leftovers.js';
import { adminQuery, createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until, within } from '../helpers/wait.js';

const CLI = path.resolve('dist/cli/main.js');
const RIGHT = 'canary-exit-right-4f1a';
const WRONG = 'canary-exit-wrong-9c3e';
const LEFT_OPEN = /left .* open after it finished/;

const suffix = randomBytes(4).toString('hex');
const pgRole = `dayshift_exit_${suffix}`;
const mysqlUser = `dsx_${suffix}`;
const database = `dayshift_exit_${suffix}`;

function url(base: string, user: string, password: string): string {
  const u = new URL(base);
  u.username = user;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

const PG_SOURCE = `{ postgres: { url: "${url(TEST_PG_URL, pgRole, 'exit-pw')}" } }`;
const MYSQL_SOURCE = `{ mysql: { url: "${url(TEST_MYSQL_URL, mysqlUser, 'exit-pw')}" } }`;

const stackOf = (store: string) => `version: 1
stack: failure-exit
${store}
repositories:
  locked: { local: { path: vault-locked, passphrase: "\${BACKUP_PASSPHRASE}" } }
  sealed: { restic: { repository: restic-sealed, password: "\${BACKUP_PASSPHRASE}" } }
backups:
  pg-locked: { source: ${PG_SOURCE}, repository: locked }
  pg-stalled: { source: ${PG_SOURCE}, repository: locked }
  pg-sealed: { source: ${PG_SOURCE}, repository: sealed }
  pg-refused: { source: { postgres: { url: "${url(TEST_PG_URL, pgRole, 'exit-pw').replace(pgRole, `${pgRole}_nobody`)}" } }, repository: locked }
  my-locked: { source: ${MYSQL_SOURCE}, repository: locked }
  my-sealed: { source: ${MYSQL_SOURCE}, repository: sealed }
  my-refused: { source: { mysql: { url: "${url(TEST_MYSQL_URL, mysqlUser, 'not-its-password')}" } }, repository: locked }
`;

describe.each(STORE_KINDS)(
  'a failed backup ends its process and leaves nothing open (dayshift backup run, serve; %s store)',
  (kind) => {
    let test: TestStore;
    let dir: string;
    let bin: string;
    let root: mysql.Connection;
    const probe: LeftoverProbe = { pgRole, mysqlUser, processMarker: suffix };
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      // The suffix is in the directory, so tar, restic and the dump tools' command lines all carry it.
      dir = mkdtempSync(path.join(tmpdir(), `dayshift-exit-${suffix}-`));
      // The CLI and serve open the store the stack file names; the test opens the same one.
      test = await createTestStore(kind);
      writeFileSync(path.join(dir, 'dayshift.yaml'), stackOf(storeYaml(test.options)));
      // The repositories exist, made with another passphrase than the one the runs below are given.
      await new LocalRepository(path.join(dir, 'vault-locked'), { passphrase: RIGHT }).key();
      const init = spawnSync('restic', ['init'], {
        env: { ...process.env, RESTIC_REPOSITORY: path.join(dir, 'restic-sealed'), RESTIC_PASSWORD: RIGHT },
        encoding: 'utf8',
      });
      if (init.status !== 0) throw new Error(`restic init failed: ${init.stderr}`);

      // Enough data that a dump nobody reads blocks its tool on a full pipe.
      await adminQuery(`create role ${pgRole} login password 'exit-pw'`);
      await adminQuery(`create database ${database} owner ${pgRole}`);
      const client = new pg.Client({ connectionString: url(TEST_PG_URL, pgRole, 'exit-pw') });
      await client.connect();
      await client.query(`create table notes (id serial primary key, body text);
      insert into notes (body)
        select string_agg(md5(random()::text || g || n), '') from generate_series(1, 60) n, generate_series(1, 2000) g group by g;`);
      await client.end();
      const u = new URL(TEST_MYSQL_URL);
      root = await mysql.createConnection({
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        multipleStatements: true,
      });
      await root.query(`create database ${database}; use ${database};
      create table ${database}.notes (id int primary key auto_increment, body mediumtext);
      insert into ${database}.notes (body) select repeat(md5(concat(rand(), seq)), 60) from seq_1_to_2000;
      create user '${mysqlUser}'@'%' identified by 'exit-pw';
      grant all on ${database}.* to '${mysqlUser}'@'%';`);

      // A dump tool that is killed mid-stream: the real one's first 4000 bytes, then SIGKILL.
      bin = path.join(dir, 'broken-bin');
      mkdirSync(bin);
      for (const tool of ['pg_dump', 'mariadb-dump', 'mysqldump']) {
        const real = spawnSync('sh', ['-c', `command -v ${tool} || true`], {
          encoding: 'utf8',
        }).stdout.trim();
        writeFileSync(
          path.join(bin, tool),
          `#!/bin/sh\n"${real || '/bin/false'}" "$@" | head -c 4000\nkill -9 $$\n`,
        );
        chmodSync(path.join(bin, tool), 0o755);
      }
    });

    afterAll(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await adminQuery(`drop database if exists ${database} with (force)`).catch(() => {});
      await adminQuery(`drop role if exists ${pgRole}`).catch(() => {});
      await root?.query(`drop database if exists ${database}; drop user if exists '${mysqlUser}'@'%'`);
      await root?.end();
      await test?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs `dayshift backup run <name>`; resolves with its exit and how long it took. */
    function backupRun(
      name: string,
      env: Record<string, string>,
    ): Promise<{ code: number | null; stderr: string; ms: number }> {
      const started = Date.now();
      const child = spawn(
        process.execPath,
        [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'backup', 'run', name],
        {
          env: { ...process.env, DAYSHIFT_DATABASE_URL: '', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
      });
      return new Promise((resolve) => {
        // Killed after 15 s, so a hang fails the assertion below rather than the whole file.
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr, ms: Date.now() - started });
        });
      });
    }

    const CASES: Array<[string, string, Record<string, string>, RegExp]> = [
      [
        'postgres into a local repository its passphrase does not open',
        'pg-locked',
        {},
        /passphrase does not open/,
      ],
      ['postgres into a restic repository with a wrong password', 'pg-sealed', {}, /password does not open/],
      ['postgres with a refused login', 'pg-refused', {}, /could not connect/],
      [
        'postgres with pg_dump killed mid-stream',
        'pg-locked',
        { BACKUP_PASSPHRASE: RIGHT, KILL: '1' },
        /killed by SIGKILL/,
      ],
      [
        'mysql into a local repository its passphrase does not open',
        'my-locked',
        {},
        /passphrase does not open/,
      ],
      ['mysql into a restic repository with a wrong password', 'my-sealed', {}, /password does not open/],
      ['mysql with a refused login', 'my-refused', { BACKUP_PASSPHRASE: RIGHT }, /Access denied|exited with/],
      [
        'mysql with its dump tool killed mid-stream',
        'my-locked',
        { BACKUP_PASSPHRASE: RIGHT, KILL: '1' },
        /killed by SIGKILL/,
      ],
    ];

    it.each(CASES)(
      '%s: the CLI says why, exits within 5 s and leaves nothing open',
      async (_what, name, extra, said) => {
        const { KILL, ...env } = extra;
        const result = await backupRun(name, {
          BACKUP_PASSPHRASE: WRONG,
          ...env,
          ...(KILL ? { PATH: `${bin}${path.delimiter}${process.env.PATH}` } : {}),
        });
        expect(result.stderr).toMatch(said);
        expect(result.stderr).not.toMatch(LEFT_OPEN);
        expect(result.stderr).not.toContain(WRONG);
        expect(result.code).toBe(1);
        expect(result.ms).toBeLessThan(5_000);
        await expectNothingLeft(probe);
      },
    );

    /** Starts the built `dayshift serve` on this file's stack and waits until it serves. */
    async function serve(deadlineMs: number, passphrase: string) {
      const args = ['--listen', '127.0.0.1:0', '--shutdown-timeout', String(deadlineMs)];
      const child = spawn(
        process.execPath,
        [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'serve', ...args],
        {
          env: { ...process.env, DAYSHIFT_DATABASE_URL: '', BACKUP_PASSPHRASE: passphrase },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      const out = { stdout: '', stderr: '' };
      child.stdout?.setEncoding('utf8').on('data', (c: string) => {
        out.stdout += c;
      });
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        out.stderr += c;
      });
      const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
        child.once('exit', (code) => resolve({ code, at: Date.now() })),
      );
      await until(() => (out.stdout.includes('dayshift serving') ? true : undefined), 'serve to listen');
      return { child, out, exited };
    }

    /** Runs `work` while another session holds the notes table, so a dump of it waits with no end in sight. */
    async function whileNotesLocked(work: (holder: pg.Client) => Promise<void>): Promise<void> {
      const holder = new pg.Client({ connectionString: url(TEST_PG_URL, 'postgres', '') });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('lock table notes in access exclusive mode');
        await work(holder);
      } finally {
        await holder.query('rollback').catch(() => {});
        await holder.end();
      }
    }

    /** Waits until `count` sessions of the test's role wait on a lock the holder took. */
    async function lockWaiters(holder: pg.Client, count: number, what: string): Promise<void> {
      await until(async () => {
        // The holder is inside a transaction, which would keep reading one snapshot of the statistics.
        await holder.query('select pg_stat_clear_snapshot()');
        const { rows } = await holder.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where usename = $1 and wait_event_type = 'Lock'",
          [pgRole],
        );
        return (rows[0]?.n ?? 0) >= count ? true : undefined;
      }, what);
    }

    /** The tools serve runs carry the suffix; serve itself does too (its --config), so it is left out. */
    const toolsOfServe: LeftoverProbe = {
      pgRole,
      mysqlUser,
      processMarker: `(pg_dump|restic|tar) .*${suffix}`,
    };

    it('serve: a failing backup job leaves no session behind, and SIGTERM ends the process within its deadline', async () => {
      const deadlineMs = 3_000;
      const { child, out, exited } = await serve(deadlineMs, WRONG);
      const store = await openStore(test.options);
      try {
        const queue = new JobQueue(store);
        const job = await queue.enqueue('backup.run', { backup: 'pg-locked' });
        if (!job) throw new Error('the backup job was not queued');
        // Its first attempt failed and a retry is scheduled: the node goes on serving.
        const failed = await until(async () => {
          const current = await queue.get(job.id);
          return current?.lastError ? current : undefined;
        }, 'the first attempt to fail');
        expect(failed.lastError).toMatch(/passphrase does not open/);
        await expectNothingLeft(toolsOfServe);
      } finally {
        await store.close();
      }

      const signalled = Date.now();
      child.kill('SIGTERM');
      const exit = await exited;
      expect(out.stderr).not.toMatch(LEFT_OPEN);
      expect(exit.code).toBe(0);
      expect(exit.at - signalled).toBeLessThan(deadlineMs);
      expect(out.stdout).toContain('"stopped"');
      await expectNothingLeft(probe);
    }, 60_000);

    it('serve: SIGTERM during a dump stalled on a table lock stops pg_dump and the row counts, and exits', async () => {
      // Another session holds the table, so pg_dump and the row counts wait on it with no end in sight.
      await whileNotesLocked(async (holder) => {
        const deadlineMs = 1_000;
        const { child, out, exited } = await serve(deadlineMs, RIGHT);
        const store = await openStore(test.options);
        try {
          const queue = new JobQueue(store);
          const job = await queue.enqueue('backup.run', { backup: 'pg-stalled' });
          if (!job) throw new Error('the backup job was not queued');
          await lockWaiters(holder, 2, 'pg_dump and the row counts to wait on the lock');

          const signalled = Date.now();
          child.kill('SIGTERM');
          const exit = await exited;
          expect(out.stderr).not.toMatch(LEFT_OPEN);
          expect(exit.code).toBe(0);
          // The deadline for the job, then the 5 s an aborted handler gets to let go, and no more.
          expect(exit.at - signalled).toBeLessThan(deadlineMs + 5_000);
          // Gone while the lock is still held: nothing of the dump waits on it any more (the holder's
          // own session carries the suffix too, so only the tools are looked for by name).
          await expectNothingLeft(toolsOfServe);
          // The job is back in the queue, and the stopped attempt's run is closed.
          expect((await queue.get(job.id))?.status).toBe('queued');
          const runs = await store.db
            .selectFrom('runs')
            .select('status')
            .where('name', '=', 'pg-stalled')
            .execute();
          expect(runs.map((r) => r.status)).toEqual(['failed']);
        } finally {
          await store.close();
        }
      });
    }, 60_000);

    it('backup run: Ctrl-C during a dump stalled on a table lock stops pg_dump, closes the run and exits 1', async () => {
      await whileNotesLocked(async (holder) => {
        const child = spawn(
          process.execPath,
          [CLI, '--config', path.join(dir, 'dayshift.yaml'), 'backup', 'run', 'pg-stalled'],
          {
            env: { ...process.env, DAYSHIFT_DATABASE_URL: '', BACKUP_PASSPHRASE: RIGHT },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        children.push(child);
        let stderr = '';
        child.stderr?.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
        });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        await lockWaiters(holder, 1, 'pg_dump to wait on the lock');
        // The terminal's Ctrl-C reaches Dayshift alone: pg_dump runs in a process group of its own.
        child.kill('SIGINT');
        const code = await within(exited, 'backup run to exit after SIGINT', 15_000);
        expect(code, stderr).toBe(1);
        expect(stderr).toContain('SIGINT: stopping');
        expect(stderr).not.toMatch(LEFT_OPEN);
        await expectNothingLeft(toolsOfServe);
        const store = await openStore(test.options);
        try {
          const runs = await store.db
            .selectFrom('runs')
            .select(['status', 'summary'])
            .where('name', '=', 'pg-stalled')
            .where('trigger', '=', 'cli')
            .execute();
          expect(runs.map((r) => r.status)).toEqual(['failed']);
        } finally {
          await store.close();
        }
      });
    }, 60_000);
  },
);
