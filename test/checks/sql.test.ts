import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { checkOf, testEnv } from './check-env.js';

const PG_URL = process.env.DAYSHIFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_URL = process.env.DAYSHIFT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
/** This file's own table in each database, so parallel runs never see each other's rows. */
const TABLE = `dayshift_outbox_${randomBytes(5).toString('hex')}`;

/** Runbook 003's outbox: 3 pending (the oldest 10 minutes old), 1 processing, 2 failed. */
const ROWS: [status: string, minutesAgo: number][] = [
  ['pending', 10],
  ['pending', 4],
  ['pending', 1],
  ['processing', 2],
  ['failed', 30],
  ['failed', 20],
];

interface Dialect {
  name: string;
  url: () => string;
  baseDir?: () => string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** Seconds since the oldest pending item was created, in this database's own words. */
  oldestPendingAge: string;
}

const snapshotQuery = (age: string) => `select
    sum(case when status = 'pending' then 1 else 0 end) as pending,
    sum(case when status = 'processing' then 1 else 0 end) as processing,
    sum(case when status = 'failed' then 1 else 0 end) as failed,
    ${age} as oldest_pending_s
  from ${TABLE}`;

let sqliteDir = '';

const dialects: Dialect[] = [
  {
    name: 'PostgreSQL',
    url: () => PG_URL,
    oldestPendingAge: "extract(epoch from now() - min(created_at) filter (where status = 'pending'))",
    async setup() {
      await withPg(async (c) => {
        await c.query(
          `create table ${TABLE} (id serial primary key, status text not null, created_at timestamptz not null)`,
        );
        for (const [status, ago] of ROWS)
          await c.query(
            `insert into ${TABLE} (status, created_at) values ($1, now() - make_interval(mins => $2))`,
            [status, ago],
          );
      });
    },
    async teardown() {
      await withPg((c) => c.query(`drop table if exists ${TABLE}`));
    },
  },
  {
    name: 'MariaDB',
    url: () => MYSQL_URL,
    oldestPendingAge: "timestampdiff(second, min(case when status = 'pending' then created_at end), now())",
    async setup() {
      await withMysql(async (c) => {
        await c.query(
          `create table ${TABLE} (id int auto_increment primary key, status varchar(20) not null, created_at datetime not null)`,
        );
        for (const [status, ago] of ROWS)
          await c.query(`insert into ${TABLE} (status, created_at) values (?, now() - interval ? minute)`, [
            status,
            ago,
          ]);
      });
    },
    async teardown() {
      await withMysql((c) => c.query(`drop table if exists ${TABLE}`));
    },
  },
  {
    name: 'SQLite',
    // Relative to the stack file's directory, as `sqlite:db.sqlite3` in a runbook would be.
    url: () => 'sqlite:outbox.sqlite3',
    baseDir: () => sqliteDir,
    oldestPendingAge:
      "cast(strftime('%s', 'now') - strftime('%s', min(case when status = 'pending' then created_at end)) as integer)",
    async setup() {
      sqliteDir = mkdtempSync(path.join(tmpdir(), 'dayshift-sql-'));
      const db = new Database(path.join(sqliteDir, 'outbox.sqlite3'));
      db.exec(
        `create table ${TABLE} (id integer primary key, status text not null, created_at text not null)`,
      );
      const insert = db.prepare(`insert into ${TABLE} (status, created_at) values (?, datetime('now', ?))`);
      for (const [status, ago] of ROWS) insert.run(status, `-${ago} minutes`);
      db.close();
    },
    async teardown() {
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    },
  },
];

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}; start it as .ci/run does`, { cause: error });
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function withMysql<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const u = new URL(MYSQL_URL);
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: u.pathname.slice(1),
      connectTimeout: 5000,
    });
  } catch (error) {
    throw new Error(`MariaDB is not reachable at ${MYSQL_URL}; start it as .ci/run does`, { cause: error });
  }
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

describe.each(dialects)('sql check on $name', (dialect) => {
  beforeAll(() => dialect.setup());
  afterAll(() => dialect.teardown());
  const env = () => testEnv({}, dialect.baseDir ? { baseDir: dialect.baseDir() } : {});
  const sql = (query: string, expect: string[] = []) => checkOf('sql', { url: dialect.url(), query }, expect);

  it('gives a count as value', async () => {
    const result = await runCheck(sql(`select count(*) from ${TABLE}`, ['value == 6']), env());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values.value).toBe(6);
  });

  it("gives runbook 003's snapshot: value is pending, the other columns named values", async () => {
    const result = await runCheck(
      sql(snapshotQuery(dialect.oldestPendingAge), [
        'value < 200',
        'failed < 20',
        'oldest_pending_s > 540',
        'oldest_pending_s < 900',
        'warn: failed == 0',
      ]),
      env(),
    );
    expect(result.values).toMatchObject({ value: 3, pending: 3, processing: 1, failed: 2 });
    expect(typeof result.values.oldest_pending_s).toBe('number');
    // Only the warn: condition fails: the queue is degraded, not down.
    expect(result.outcome, JSON.stringify(result)).toBe('warn');
  });

  it('turns name and count rows into one named value each, value their total', async () => {
    const result = await runCheck(
      sql(`select status, count(*) from ${TABLE} group by status`, ['pending == 3', 'value == 6']),
      env(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ pending: 3, processing: 1, failed: 2, value: 6 });
  });

  it('reports a missing table as an error', async () => {
    const result = await runCheck(sql('select count(*) from dayshift_no_such_table'), env());
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/query failed: .*dayshift_no_such_table/);
  });
});

describe('sql check on SQLite files', () => {
  it('reports a database file that does not exist, and never creates it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-sql-'));
    try {
      const file = path.join(dir, 'missing.sqlite3');
      const result = await runCheck(
        checkOf('sql', { url: `sqlite://${file}`, query: 'select 1' }),
        testEnv(),
      );
      expect(result.outcome).toBe('fail');
      expect(result.error).toBe(`the SQLite database ${file} does not exist`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens the file read-only: a statement that writes is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-sql-'));
    try {
      const file = path.join(dir, 'app.sqlite3');
      const db = new Database(file);
      db.exec('create table t (x integer); insert into t values (1)');
      db.close();
      const result = await runCheck(
        checkOf('sql', { url: `sqlite://${file}`, query: 'delete from t returning x' }),
        testEnv(),
      );
      expect(result.outcome).toBe('fail');
      expect(result.error).toMatch(/readonly|read-only/i);
      const after = new Database(file, { readonly: true });
      expect(after.prepare('select count(*) as n from t').get()).toEqual({ n: 1 });
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
