/**
 * The contract every backup source keeps, run against each of them with its real tool and server:
 *
 * - a snapshot records what the source holds (row counts per table, or every file with its SHA-256),
 *   and a drill restores it into a scratch target that matches;
 * - a login the server refuses (or a path that is not there) fails with a clear error that shows no
 *   secret, records a failed run, and keeps no snapshot;
 * - a dump tool that dies mid-stream, that writes nothing, or whose output is cut short while it still
 *   exits 0, fails the backup and keeps no snapshot;
 * - a repository that refuses the backup before reading a byte (a local repository whose passphrase
 *   does not open it, a restic repository with a wrong password) fails it with the passphrase error;
 * - after every failure, what the source opened is released: no session of the source's own role is
 *   left on its server, no dump tool or wrapper is left running, no temporary copy is left on disk.
 *
 * The tools are replaced by small scripts placed first on PATH that run the real tool and break its
 * output the way a crash or a full disk would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
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
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { expectNothingLeft, type LeftoverProbe, TEST_MYSQL_URL } from '../helpers/leftovers.js';
import { adminQuery, createTestStore, type TestStore } from '../helpers/stores.js';

const MYSQL_URL = TEST_MYSQL_URL;
/** A password the server refuses; it must never appear in an error or a run record. */
const REFUSED_PASSWORD = 'canary-contract-refused-31b7';
/** The passphrase the stack file gives repositories that were made with another one. */
const WRONG_PASSPHRASE = 'canary-contract-wrong-key-5e02';

interface SourceFixture {
  /** The source block of a backup that works, and of one the server refuses or cannot find. */
  source: string;
  refused: string;
  /** What the snapshot's manifest must record. */
  rows?: Record<string, number>;
  files?: string[];
  /** The source's own role or user on its server, whose sessions must all be gone after a failure. */
  leftovers: Pick<LeftoverProbe, 'pgRole' | 'mysqlUser'>;
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
      // Its own role, so its sessions in pg_stat_activity are this file's alone.
      const role = `dayshift_contract_${suffix}`;
      await adminQuery(`create role ${role} login createdb password 'contract-${suffix}'`);
      await adminQuery(`create database ${db} owner ${role}`);
      const url = urlWith(TEST_PG_URL, db, role, `contract-${suffix}`);
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`
        create table customers (id serial primary key, name text);
        create table orders (id bigserial primary key, customer int references customers(id), total numeric);
        insert into customers (name) select 'c' || g from generate_series(1, 40) g;
        insert into orders (customer, total) select 1 + g % 40, g * 1.5 from generate_series(1, 2500) g;
        -- Far more than a pipe holds, even compressed: a dump nobody reads blocks pg_dump on it.
        create table notes (id serial primary key, body text);
        insert into notes (body)
          select string_agg(md5(random()::text || g || n), '') from generate_series(1, 60) n, generate_series(1, 1500) g group by g;`);
      await client.end();
      return {
        source: `{ postgres: { url: "${url}" } }`,
        refused: `{ postgres: { url: "${urlWith(TEST_PG_URL, db, `no_such_role_${suffix}`, REFUSED_PASSWORD)}" } }`,
        rows: { customers: 40, orders: 2500, notes: 1500 },
        leftovers: { pgRole: role },
        teardown: async () => {
          await adminQuery(`drop database if exists ${db} with (force)`);
          await adminQuery(`drop role if exists ${role}`);
        },
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
        insert into orders (customer, total) select 1 + seq % 40, seq * 1.5 from seq_1_to_2500;
        create table notes (id int primary key auto_increment, body mediumtext);
        insert into notes (body) select repeat(md5(concat(rand(), seq)), 60) from seq_1_to_1500;`);
      // Its own user, so its sessions in the processlist are this file's alone.
      const user = `dsc_${suffix}`;
      await conn.query(`create user '${user}'@'%' identified by 'contract-${suffix}'`);
      await conn.query(`grant all on ${db}.* to '${user}'@'%'`);
      // A drill creates and drops its scratch database on the source's server, as this user.
      await conn.query(`grant all on \`dayshift\\_drill\\_%\`.* to '${user}'@'%'`);
      return {
        source: `{ mysql: { url: "${urlWith(MYSQL_URL, db, user, `contract-${suffix}`)}" } }`,
        refused: `{ mysql: { url: "${urlWith(MYSQL_URL, db, `nobody_${suffix}`, REFUSED_PASSWORD)}" } }`,
        rows: { customers: 40, orders: 2500, notes: 1500 },
        leftovers: { mysqlUser: user },
        teardown: async () => {
          await conn.query(`drop database if exists ${db}`);
          await conn.query(`drop user if exists '${user}'@'%'`);
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
        leftovers: {},
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
        leftovers: {},
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
  let probe: LeftoverProbe;
  const tmpBefore = process.env.TMPDIR;

  beforeAll(async () => {
    // The suffix is in every path and database name the source's tools get, so they can be found.
    dir = mkdtempSync(path.join(tmpdir(), `dayshift-contract-${contract.kind}-${suffix}-`));
    // Temp copies (SQLite's) go to a directory of this file's own, so one left behind is seen.
    mkdirSync(path.join(dir, 'tmp'));
    process.env.TMPDIR = path.join(dir, 'tmp');
    fixture = await contract.setup(dir, suffix);
    probe = {
      ...fixture.leftovers,
      processMarker: suffix,
      tempDir: { path: path.join(dir, 'tmp'), prefixes: ['dayshift-sqlite-'] },
    };
    // Repositories made with another passphrase or password than the stack file gives them.
    await new LocalRepository(path.join(dir, 'vault-locked'), { passphrase: 'the-right-one' }).key();
    const init = spawnSync('restic', ['init'], {
      env: {
        ...process.env,
        RESTIC_REPOSITORY: path.join(dir, 'restic-sealed'),
        RESTIC_PASSWORD: 'the-right-one',
      },
      encoding: 'utf8',
    });
    if (init.status !== 0) throw new Error(`restic init failed: ${init.stderr}`);
    // The stack file sits beside the data: a source's paths are relative to it.
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(
      configPath,
      `version: 1
stack: contract
repositories:
  vault: { local: { path: vault } }
  locked: { local: { path: vault-locked, passphrase: "${WRONG_PASSPHRASE}" } }
  sealed: { restic: { repository: restic-sealed, password: "${WRONG_PASSPHRASE}" } }
backups:
  ok: { source: ${fixture.source}, repository: vault }
  refused: { source: ${fixture.refused}, repository: vault }
  locked: { source: ${fixture.source}, repository: locked }
  sealed: { source: ${fixture.source}, repository: sealed }
`,
    );
    testStore = await createTestStore('sqlite');
    store = await testStore.open();
    backups = openBackups(loadConfigOrThrow(configPath).config, configPath, store.db);
  });
  afterAll(async () => {
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
    await fixture?.teardown();
    await testStore?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs a backup expected to fail; returns its error after checking it kept nothing and released
   * everything the source opened.
   */
  const failedBackup = async (name: string, options: { listable?: boolean } = {}): Promise<Error> => {
    // A repository that refuses its passphrase lists nothing either; it was made empty.
    const listed = async () =>
      options.listable === false ? [] : (await backups.list(name)).map((s) => s.id);
    const before = await listed();
    const error = await backups.run(name, { trigger: 'test' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'the backup should have failed').toBeInstanceOf(DayshiftError);
    expect(await listed()).toEqual(before);
    const [run] = await backups.env.runs.list({ kinds: ['backup'], name });
    expect(run?.status).toBe('failed');
    await expectNothingLeft(probe);
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
    await expectNothingLeft(probe);
  });

  it('a refused login or a missing source is a clear error, a failed run, no snapshot and no secret', async () => {
    const error = await failedBackup('refused');
    expect(error.message.length).toBeGreaterThan(20);
    expect(error.message).not.toContain(REFUSED_PASSWORD);
    const [run] = await backups.env.runs.list({ kinds: ['backup'], name: 'refused' });
    expect(JSON.stringify(await backups.env.runs.get(run?.id ?? 0))).not.toContain(REFUSED_PASSWORD);
  });

  it.each([
    ['a local repository whose passphrase does not open it', 'locked'],
    ['a restic repository with a wrong password', 'sealed'],
  ])('%s refuses the backup; the dump is stopped and releases what it opened', async (_what, name) => {
    const error = await failedBackup(name, { listable: false });
    expect((error as DayshiftError).code).toBe('BACKUP_PASSPHRASE');
    expect(error.message).not.toContain(WRONG_PASSPHRASE);
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
