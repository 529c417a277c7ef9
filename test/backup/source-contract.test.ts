/**
 * The contract every backup source keeps, run against each of them with its real tool and server:
 *
 * - a snapshot records what the source holds (row counts per table, or every file with its SHA-256),
 *   and a drill restores it into a scratch target that matches;
 * - a login the server refuses (or a path that is not there) fails with a clear error that shows no
 *   secret, records a failed run, and keeps no snapshot;
 * - a dump tool that dies mid-stream, that writes nothing, or whose output is cut short while it still
 *   exits 0, fails the backup and keeps no snapshot.
 *
 * The tools are replaced by small scripts placed first on PATH that run the real tool and break its
 * output the way a crash or a full disk would.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { openBackups } from '../../src/backup/open.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { adminQuery, createTestStore, type TestStore } from '../helpers/stores.js';

const MYSQL_URL = process.env.DAYSHIFT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
/** A password the server refuses; it must never appear in an error or a run record. */
const REFUSED_PASSWORD = 'canary-contract-refused-31b7';

interface SourceFixture {
  /** The source block of a backup that works, and of one the server refuses or cannot find. */
  source: string;
  refused: string;
  /** What the snapshot's manifest must record. */
  rows?: Record<string, number>;
  files?: string[];
  teardown(): Promise<void>;
}

interface ContractCase {
  kind: string;
  setup(dir: string, suffix: string): Promise<SourceFixture>;
  /** The names the source looks the dump tool up by; absent when it has none (SQLite's backup API). */
  tools?: string[];
}

function urlWith(base: string, database: string, user?: string, password?: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  if (password) u.password = password;
  return u.toString();
}

const CASES: ContractCase[] = [
  {
    kind: 'postgres',
    tools: ['pg_dump'],
    async setup(_dir, suffix) {
      const db = `dayshift_contract_${suffix}`;
      await adminQuery(`create database ${db}`);
      const url = urlWith(TEST_PG_URL, db);
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`
        create table customers (id serial primary key, name text);
        create table orders (id bigserial primary key, customer int references customers(id), total numeric);
        insert into customers (name) select 'c' || g from generate_series(1, 40) g;
        insert into orders (customer, total) select 1 + g % 40, g * 1.5 from generate_series(1, 2500) g;`);
      await client.end();
      return {
        source: `{ postgres: { url: "${url}" } }`,
        refused: `{ postgres: { url: "${urlWith(TEST_PG_URL, db, `no_such_role_${suffix}`, REFUSED_PASSWORD)}" } }`,
        rows: { customers: 40, orders: 2500 },
        teardown: () => adminQuery(`drop database if exists ${db} with (force)`),
      };
    },
  },
  {
    kind: 'mysql',
    tools: ['mariadb-dump', 'mysqldump'],
    async setup(_dir, suffix) {
      const db = `dayshift_contract_${suffix}`;
      const u = new URL(MYSQL_URL);
      const conn = await mysql
        .createConnection({
          host: u.hostname,
          port: Number(u.port || 3306),
          user: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
          multipleStatements: true,
        })
        .catch((error: unknown) => {
          throw new Error(`MariaDB is not reachable at ${MYSQL_URL}; start it as .ci/run does`, {
            cause: error,
          });
        });
      await conn.query(`
        create database ${db}; use ${db};
        create table customers (id int primary key auto_increment, name varchar(50));
        create table orders (id int primary key auto_increment, customer int, total decimal(10,2));
        insert into customers (name) select concat('c', seq) from seq_1_to_40;
        insert into orders (customer, total) select 1 + seq % 40, seq * 1.5 from seq_1_to_2500;`);
      return {
        source: `{ mysql: { url: "${urlWith(MYSQL_URL, db)}" } }`,
        refused: `{ mysql: { url: "${urlWith(MYSQL_URL, db, `nobody_${suffix}`, REFUSED_PASSWORD)}" } }`,
        rows: { customers: 40, orders: 2500 },
        teardown: async () => {
          await conn.query(`drop database if exists ${db}`);
          await conn.end();
        },
      };
    },
  },
  {
    kind: 'sqlite',
    async setup(dir) {
      const db = new Database(path.join(dir, 'app.db'));
      db.exec(`
        create table customers (id integer primary key, name text);
        create table orders (id integer primary key, customer int, total real);
        with recursive g(n) as (select 1 union all select n + 1 from g where n < 2500)
          insert into orders (customer, total) select 1 + n % 40, n * 1.5 from g;
        with recursive g(n) as (select 1 union all select n + 1 from g where n < 40)
          insert into customers (name) select 'c' || n from g;`);
      db.close();
      return {
        source: '{ sqlite: { path: app.db } }',
        refused: '{ sqlite: { path: no-such.db } }',
        rows: { customers: 40, orders: 2500 },
        teardown: async () => {},
      };
    },
  },
  {
    kind: 'files',
    tools: ['tar'],
    async setup(dir) {
      const root = path.join(dir, 'uploads');
      mkdirSync(path.join(root, 'nested'), { recursive: true });
      writeFileSync(path.join(root, 'a.txt'), 'alpha');
      writeFileSync(path.join(root, 'nested', 'b.bin'), randomBytes(300_000));
      chmodSync(path.join(root, 'a.txt'), 0o640);
      symlinkSync('a.txt', path.join(root, 'link'));
      return {
        source: '{ files: { paths: [ uploads ] } }',
        refused: '{ files: { paths: [ no-such-dir ] } }',
        files: ['uploads/a.txt', 'uploads/nested/b.bin'],
        teardown: async () => {},
      };
    },
  },
];

/** Puts scripts named like the tool first on PATH for the duration of `work`. */
async function withBrokenTool<T>(tools: string[], body: string, work: () => Promise<T>): Promise<T> {
  const bin = mkdtempSync(path.join(tmpdir(), 'dayshift-broken-tool-'));
  const before = process.env.PATH;
  try {
    for (const tool of tools) {
      const real = execFileSync('sh', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim();
      const script = path.join(bin, tool);
      writeFileSync(script, `#!/bin/sh\nREAL=${real || '/bin/false'}\n${body}\n`);
      chmodSync(script, 0o755);
    }
    process.env.PATH = `${bin}${path.delimiter}${before}`;
    return await work();
  } finally {
    process.env.PATH = before;
    rmSync(bin, { recursive: true, force: true });
  }
}

describe.each(CASES)('the source contract: $kind', (contract) => {
  const suffix = randomBytes(4).toString('hex');
  let dir: string;
  let fixture: SourceFixture;
  let testStore: TestStore;
  let store: Store;
  let backups: Backups;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), `dayshift-contract-${contract.kind}-`));
    fixture = await contract.setup(dir, suffix);
    // The stack file sits beside the data: a source's paths are relative to it.
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(
      configPath,
      `version: 1
stack: contract
repositories:
  vault: { local: { path: vault } }
backups:
  ok: { source: ${fixture.source}, repository: vault }
  refused: { source: ${fixture.refused}, repository: vault }
`,
    );
    testStore = await createTestStore('sqlite');
    store = await testStore.open();
    backups = openBackups(loadConfigOrThrow(configPath).config, configPath, store.db);
  });
  afterAll(async () => {
    await fixture?.teardown();
    await testStore?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a backup expected to fail; returns its error after checking it kept nothing. */
  const failedBackup = async (name: string): Promise<Error> => {
    const before = (await backups.list(name)).map((s) => s.id);
    const error = await backups.run(name, { trigger: 'test' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'the backup should have failed').toBeInstanceOf(DayshiftError);
    expect((await backups.list(name)).map((s) => s.id)).toEqual(before);
    const [run] = await backups.env.runs.list({ kinds: ['backup'], name });
    expect(run?.status).toBe('failed');
    return error as Error;
  };

  it('records what the source holds, and a drill restores a copy that matches it', async () => {
    const { snapshot } = await backups.run('ok', { trigger: 'test' });
    if (fixture.rows) expect(snapshot.source.rows).toEqual(fixture.rows);
    if (fixture.files) {
      const files = snapshot.source.files as Array<{ path: string; sha256: string }>;
      expect(files.map((f) => f.path).sort()).toEqual(fixture.files);
    }
    const drill = await runDrill(backups, 'ok', { trigger: 'test' });
    expect(drill.failures).toEqual([]);
    expect(drill.assertions.map((a) => [a.kind, a.ok])).toEqual([
      [fixture.rows ? 'row_counts' : 'checksums', true],
    ]);
  });

  it('a refused login or a missing source is a clear error, a failed run, no snapshot and no secret', async () => {
    const error = await failedBackup('refused');
    expect(error.message.length).toBeGreaterThan(20);
    expect(error.message).not.toContain(REFUSED_PASSWORD);
    const [run] = await backups.env.runs.list({ kinds: ['backup'], name: 'refused' });
    expect(JSON.stringify(await backups.env.runs.get(run?.id ?? 0))).not.toContain(REFUSED_PASSWORD);
  });

  const tools = contract.tools;
  if (tools) {
    it('a dump tool killed mid-stream fails the backup and keeps nothing', async () => {
      const error = await withBrokenTool(tools, '"$REAL" "$@" | head -c 4000\nkill -9 $$', () =>
        failedBackup('ok'),
      );
      expect(error.message).toMatch(/killed by SIGKILL/);
    });

    it('a dump tool that writes nothing and exits 0 fails the backup and keeps nothing', async () => {
      const error = await withBrokenTool(tools, 'exit 0', () => failedBackup('ok'));
      expect(error.message).toMatch(/empty|produced no data|not a dump|does not start|ended before/);
    });

    // Told by mysqldump's trailer, tar's end blocks, and pg_dump's table of contents followed to its end.
    it('output cut short while the tool exits 0 fails the backup and keeps nothing', async () => {
      const error = await withBrokenTool(tools, '"$REAL" "$@" | head -c 4000\nexit 0', () =>
        failedBackup('ok'),
      );
      expect(error.message).toMatch(/ended before .* complete/);
    });
  }
});
