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
 *
 * The cases are keyed by the registry (`backupSourceKinds`): every source kind has a case here or a
 * written reason to be skipped, and a kind with neither fails the suite. Each case runs on both stores.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { openBackups } from '../../src/backup/open.js';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { type BackupSourceKind, backupSourceKinds } from '../../src/backup/sources/registry.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { docker, requireDocker } from '../helpers/docker.js';
import { expectNothingLeft, type LeftoverProbe, TEST_MYSQL_URL } from '../helpers/leftovers.js';
import { adminQuery, createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';

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
  /** The `drill:` block of the backup that works, and what its assertions must say; the default when absent. */
  drill?: { yaml: string; assertions: Array<[kind: string, ok: boolean]> };
  /** More backups for the stack file, such as one naming the target `elsewhere` restores into. */
  backups?: string;
  /** A target of the source's own kind besides the original (`--to`), and how to see it holds the data. */
  elsewhere: { to: string; verify(): Promise<void> };
  /** The source's own role or user on its server, whose sessions must all be gone after a failure. */
  leftovers: Pick<LeftoverProbe, 'pgRole' | 'mysqlUser'>;
  teardown(): Promise<void>;
}

interface ContractCase {
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

/** A case per source kind, or why the kind has none: the type, and the first test, require every kind. */
const CASES: { [K in BackupSourceKind]: ContractCase | { skip: string } } = {
  postgres: {
    tools: ['pg_dump'],
    async setup(_dir, suffix) {
      const db = `dayshift_contract_${suffix}`;
      // Its own role, so its sessions in pg_stat_activity are this file's alone.
      const role = `dayshift_contract_${suffix}`;
      await adminQuery(`create role ${role} login createdb password 'contract-${suffix}'`);
      await adminQuery(`create database ${db} owner ${role}`);
      const url = urlWith(TEST_PG_URL, db, role, `contract-${suffix}`);
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
        // A database name on the source's own server; the restore creates it.
        elsewhere: {
          to: `${db}_copy`,
          verify: async () => {
            const copy = new pg.Client({ connectionString: urlWith(TEST_PG_URL, `${db}_copy`) });
            await copy.connect();
            try {
              const counts = await copy.query<{ t: string; n: string }>(
                "select 'customers' t, count(*) n from customers union all select 'orders', count(*) from orders union all select 'notes', count(*) from notes",
              );
              expect(Object.fromEntries(counts.rows.map((r) => [r.t, Number(r.n)]))).toEqual({
                customers: 40,
                orders: 2500,
                notes: 1500,
              });
            } finally {
              await copy.end();
            }
          },
        },
        leftovers: { pgRole: role },
        teardown: async () => {
          await adminQuery(`drop database if exists ${db}_copy with (force)`);
          await adminQuery(`drop database if exists ${db} with (force)`);
          await adminQuery(`drop role if exists ${role}`);
        },
      };
    },
  },
  mysql: {
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
      await conn.query(`grant all on ${db}_copy.* to '${user}'@'%'`);
      // A drill creates and drops its scratch database on the source's server, as this user.
      await conn.query(`grant all on \`dayshift\\_drill\\_%\`.* to '${user}'@'%'`);
      return {
        source: `{ mysql: { url: "${urlWith(MYSQL_URL, db, user, `contract-${suffix}`)}" } }`,
        refused: `{ mysql: { url: "${urlWith(MYSQL_URL, db, `nobody_${suffix}`, REFUSED_PASSWORD)}" } }`,
        rows: { customers: 40, orders: 2500, notes: 1500 },
        elsewhere: {
          to: `${db}_copy`,
          verify: async () => {
            const [rows] = await conn.query(
              `select 'customers' t, count(*) n from ${db}_copy.customers union all select 'orders', count(*) from ${db}_copy.orders union all select 'notes', count(*) from ${db}_copy.notes`,
            );
            const counts = rows as Array<{ t: string; n: number }>;
            expect(Object.fromEntries(counts.map((r) => [r.t, Number(r.n)]))).toEqual({
              customers: 40,
              orders: 2500,
              notes: 1500,
            });
          },
        },
        leftovers: { mysqlUser: user },
        teardown: async () => {
          await conn.query(`drop database if exists ${db}_copy`);
          await conn.query(`drop database if exists ${db}`);
          await conn.query(`drop user if exists '${user}'@'%'`);
          await conn.end();
        },
      };
    },
  },
  sqlite: {
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
        elsewhere: {
          to: 'copy.db',
          verify: async () => {
            const copy = new Database(path.join(dir, 'copy.db'), { readonly: true });
            try {
              const count = (table: string) =>
                (copy.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;
              expect({ customers: count('customers'), orders: count('orders') }).toEqual({
                customers: 40,
                orders: 2500,
              });
            } finally {
              copy.close();
            }
          },
        },
        leftovers: {},
        teardown: async () => {},
      };
    },
  },
  files: {
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
        elsewhere: {
          to: 'restored',
          verify: async () => expect(treeOf(path.join(dir, 'restored', 'uploads'))).toEqual(treeOf(root)),
        },
        leftovers: {},
        teardown: async () => {},
      };
    },
  },
  volume: {
    tools: ['tar'],
    async setup(_dir, suffix) {
      await requireDocker();
      // The suffix is in the volumes' directories, so tar's command line carries it (processMarker).
      const volume = `dayshift-contract-${suffix}`;
      const copy = `${volume}-copy`;
      const data = await docker('volume', 'create', volume).then(() => mountpointOf(volume));
      mkdirSync(path.join(data, 'nested'), { recursive: true });
      writeFileSync(path.join(data, 'a.txt'), 'alpha');
      writeFileSync(path.join(data, 'nested', 'b.bin'), randomBytes(300_000));
      chmodSync(path.join(data, 'a.txt'), 0o640);
      symlinkSync('a.txt', path.join(data, 'link'));
      return {
        source: `{ volume: { name: ${volume} } }`,
        refused: `{ volume: { name: ${volume}-missing } }`,
        files: ['./a.txt', './nested/b.bin'],
        drill: {
          yaml: '{ assert: [ { exists: nested/b.bin }, { exists: link }, { checksums: true } ] }',
          assertions: [
            ['exists', true],
            ['exists', true],
            ['checksums', true],
          ],
        },
        // A restore may name another volume only when a backup of the stack file names it.
        backups: `copy: { source: { volume: { name: ${copy} } }, repository: vault }`,
        // Not there yet: the restore creates it.
        elsewhere: {
          to: copy,
          verify: async () => expect(treeOf(await mountpointOf(copy))).toEqual(treeOf(data)),
        },
        leftovers: {},
        teardown: async () => {
          await docker('volume', 'rm', '-f', volume, copy);
        },
      };
    },
  },
};

/** A Docker volume's directory on the host, where Docker's local driver keeps its files. */
async function mountpointOf(volume: string): Promise<string> {
  return docker('volume', 'inspect', '--format', '{{.Mountpoint}}', volume);
}

/** Every entry under a directory: files with their SHA-256 and mode, symlinks with their target. */
function treeOf(root: string): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const name = path.relative(root, full);
    if (entry.isSymbolicLink()) tree[name] = `-> ${readlinkSync(full)}`;
    else if (entry.isFile())
      tree[name] =
        `${(statSync(full).mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
  }
  return tree;
}

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

const KINDS = Object.keys(backupSourceKinds) as BackupSourceKind[];
/**
 * A kind's case, looked up as data: a kind added to the registry without one (a type error that
 * vitest does not see) reaches the test below, which names it, instead of failing the file as it loads.
 */
const caseOf = (kind: BackupSourceKind): ContractCase | { skip: string } | undefined =>
  (CASES as Record<string, ContractCase | { skip: string } | undefined>)[kind];

describe('the source contract covers every source kind', () => {
  it.each(KINDS)('%s has a case, or a written reason to be skipped', (kind) => {
    const entry = caseOf(kind);
    expect(entry, `add a case for ${kind} to CASES, or { skip: 'why' }`).toBeDefined();
    if (entry && 'skip' in entry)
      expect(entry.skip.trim().length, `why ${kind} is skipped`).toBeGreaterThan(20);
  });

  it('has no case for a kind the registry does not hold', () => {
    expect(Object.keys(CASES).sort()).toEqual([...KINDS].sort());
  });
});

const SKIPPED = KINDS.flatMap((kind) => {
  const entry = caseOf(kind);
  return entry && 'skip' in entry ? [{ kind, reason: entry.skip }] : [];
});
for (const { kind, reason } of SKIPPED) it.skip(`the source contract: ${kind} (${reason})`, () => {});

const RUNS = KINDS.flatMap((kind) => {
  const entry = caseOf(kind);
  return !entry || 'skip' in entry
    ? []
    : STORE_KINDS.map((storeKind) => ({ kind, storeKind, contract: entry }));
});

for (const { kind, storeKind, contract } of RUNS)
  describe(`the source contract: ${kind} (${storeKind} store)`, () => {
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
      dir = mkdtempSync(path.join(tmpdir(), `dayshift-contract-${kind}-${suffix}-`));
      // Temp copies (SQLite's) go to a directory of this file's own, so one left behind is seen.
      mkdirSync(path.join(dir, 'tmp'));
      process.env.TMPDIR = path.join(dir, 'tmp');
      fixture = await contract.setup(dir, suffix);
      probe = {
        ...fixture.leftovers,
        processMarker: suffix,
        // Drills' scratch directories and SQLite's temp copies must both be gone after each test.
        tempDir: { path: path.join(dir, 'tmp'), prefixes: ['dayshift-sqlite-', 'dayshift-drill-'] },
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
      testStore = await createTestStore(storeKind);
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
${storeYaml(testStore.options)}
backups:
  ok: { source: ${fixture.source}, repository: vault${fixture.drill ? `, drill: ${fixture.drill.yaml}` : ''} }
  refused: { source: ${fixture.refused}, repository: vault }
  locked: { source: ${fixture.source}, repository: locked }
  sealed: { source: ${fixture.source}, repository: sealed }
${fixture.backups ? `  ${fixture.backups}\n` : ''}`,
      );
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
      expect(drill.assertions.map((a) => [a.kind, a.ok])).toEqual(
        fixture.drill?.assertions ?? [[fixture.rows ? 'row_counts' : 'checksums', true]],
      );
      await expectNothingLeft(probe);
    });

    it('restores into another target of its kind (--to) a copy that matches the original', async () => {
      const { elsewhere } = fixture;
      const restored = await restoreBackup(backups, 'ok', { to: elsewhere.to, trigger: 'test' });
      expect(restored.bytes).toBeGreaterThan(0);
      await elsewhere.verify();
      const [run] = await backups.env.runs.list({ kinds: ['restore'], name: 'ok' });
      expect(run?.status).toBe('succeeded');
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
