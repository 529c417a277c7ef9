import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { openBackups } from '../../src/backup/open.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { scratchName } from '../../src/backup/sources/shared/scratch-names.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { stackFrom } from '../helpers/stack.js';
import { adminQuery, createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const ROLE_PASSWORD = 'canary-role-pass-71c3';
const PASSPHRASE = 'canary-passphrase-0e5a';
const RESTIC_PASSWORD = 'canary-restic-pass-9b2f';

function urlFor(database: string, user?: string, password?: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  if (password !== undefined) url.password = password;
  return url.toString();
}

async function one<T>(url: string, text: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as T;
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const row = await one<{ n: string }>(
    urlFor('postgres'),
    `select count(*) n from pg_database where datname = '${name}'`,
  );
  return row.n === '1';
}

/** "scratch database dayshift_drill_x on host:port" → dayshift_drill_x */
function scratchDatabaseOf(description: string | null): string {
  const name = description?.match(/database (\S+) on/)?.[1];
  if (!name) throw new Error(`no database in ${description}`);
  return name;
}

describe.each(STORE_KINDS)(
  'postgres backups through the backup service (real PostgreSQL, pg_dump, pg_restore, restic; %s store)',
  (kind) => {
    const suffix = randomBytes(4).toString('hex');
    const source = `dayshift_svc_${suffix}`;
    const role = `dayshift_svc_${suffix}`;
    const restoredName = `dayshift_svc_restored_${suffix}`;
    let testStore: TestStore;
    let store: Store;
    let backups: Backups;
    let dir: string;
    let configPath: string;
    let stackEnv: Record<string, string> = {};

    beforeAll(async () => {
      await adminQuery(`create database ${source}`);
      // Drills and --to restores create databases: the backup's role may (or drill: into: names a server that lets it).
      await adminQuery(`create role ${role} login createdb password '${ROLE_PASSWORD}'`);
      await adminQuery(`alter database ${source} owner to ${role}`);
      const client = new pg.Client({ connectionString: urlFor(source, role, ROLE_PASSWORD) });
      await client.connect();
      await client.query(`
      create table customers (id serial primary key, name text not null);
      create table orders (id bigserial primary key, customer_id int references customers(id), total numeric(10,2));
      create table order_lines (order_id bigint references orders(id), sku text, qty int);
      insert into customers (name) select 'customer-' || g from generate_series(1, 200) g;
      insert into orders (customer_id, total) select 1 + g % 200, g * 1.5 from generate_series(1, 5000) g;
      insert into order_lines select 1 + g % 5000, 'sku-' || (g % 97), 1 + g % 3 from generate_series(1, 12000) g;
    `);
      await client.end();

      stackEnv = {
        PASSPHRASE,
        RESTIC_PASSWORD,
        DB_URL: urlFor(source, role, ROLE_PASSWORD),
        REFUSED_URL: urlFor(source, 'no_such_role', ROLE_PASSWORD),
      };
      const stack = stackFrom(
        `version: 1
stack: backups-postgres
repositories:
  vault: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
  offsite: { restic: { repository: restic-repo, password: "\${RESTIC_PASSWORD}" } }
backups:
  db:
    source: { postgres: { url: "\${DB_URL}" } }
    repository: vault
    rpo: 1h
    drill:
      assert:
        - row_counts: true
        - sql: "select count(*) from orders"
          expect: "value == 5000"
        - sql: "select sum(qty) from order_lines"
          expect: "value > 0"
      rto: 5m
  db-offsite:
    source: { postgres: { url: "\${DB_URL}" } }
    repository: offsite
    drill:
      assert:
        - row_counts: true
  db-wrong-check:
    source: { postgres: { url: "\${DB_URL}" } }
    repository: vault
    drill:
      assert:
        - sql: "select count(*) from orders"
          expect: "value == 1"
  refused:
    source: { postgres: { url: "\${REFUSED_URL}" } }
    repository: vault
`,
        stackEnv,
      );
      dir = stack.dir;
      configPath = stack.configPath;
      testStore = await createTestStore(kind);
      store = await testStore.open();
      backups = openBackups(stack.config, stack.configPath, store.db);
    });

    afterAll(async () => {
      await testStore?.destroy();
      rmSync(dir, { recursive: true, force: true });
      for (const db of [source, restoredName]) await adminQuery(`drop database if exists ${db} with (force)`);
      await adminQuery(`drop role if exists ${role}`);
    });

    it('backs up to the local repository and a drill into a scratch database passes, then the scratch database is gone', async () => {
      const result = await backups.run('db', { trigger: 'test' });
      expect(result.snapshot.source).toMatchObject({
        kind: 'postgres',
        rows: { customers: 200, orders: 5000, order_lines: 12000 },
      });
      expect((await backups.list('db')).map((s) => s.id)).toEqual([result.snapshot.id]);

      const report = await runDrill(backups, 'db', { trigger: 'test' });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.snapshot).toBe(result.snapshot.id);
      expect(report.assertions.map((a) => [a.kind, a.ok])).toEqual([
        ['row_counts', true],
        ['sql', true],
        ['sql', true],
      ]);
      expect(report.rtoMs).toBeGreaterThan(0);
      expect(report.rpoMs).toBeGreaterThanOrEqual(0);
      expect(report.rtoTargetMs).toBe(300_000);
      const scratch = scratchDatabaseOf(report.target);
      expect(scratch).toMatch(/^dayshift_drill_/);
      expect(await databaseExists(scratch)).toBe(false);

      const run = await backups.env.runs.get(report.runId);
      expect(run).toMatchObject({ kind: 'drill', name: 'db', status: 'succeeded' });
      expect(run?.steps.map((s) => s.name)).toEqual([
        'restore',
        'row_counts',
        'sql: select count(*) from orders (value == 5000)',
        'sql: select sum(qty) from order_lines (value > 0)',
        'dispose',
      ]);
    });

    it('a drill whose assertion fails is a failed run, and its scratch database is still dropped', async () => {
      await backups.run('db-wrong-check', { trigger: 'test' });
      const report = await runDrill(backups, 'db-wrong-check', { trigger: 'test' });
      expect(report.ok).toBe(false);
      expect(report.failures.join('\n')).toMatch(/value == 1: got 5000/);
      expect(await databaseExists(scratchDatabaseOf(report.target))).toBe(false);
      expect((await backups.env.runs.get(report.runId))?.status).toBe('failed');
    });

    it('a drill drops the scratch databases killed drills left behind, and only those', async () => {
      const abandoned = `dayshift_drill_202001010000_${suffix.slice(0, 6)}`;
      const recent = scratchName();
      for (const name of [abandoned, recent]) await adminQuery(`create database ${name} owner ${role}`);
      try {
        const report = await runDrill(backups, 'db', { trigger: 'test' });
        expect(report.failures).toEqual([]);
        expect(await databaseExists(abandoned)).toBe(false);
        expect(await databaseExists(recent)).toBe(true);
        // A drill running beside this one (another test file, same server) may have swept it first.
        const sweep = (await backups.env.runs.get(report.runId))?.steps.find((s) => s.name === 'sweep');
        if (sweep) expect(sweep).toMatchObject({ outcome: 'pass', result: { dropped: [abandoned] } });
      } finally {
        for (const name of [abandoned, recent])
          await adminQuery(`drop database if exists ${name} with (force)`);
      }
    });

    it('backs up to restic (init on first use, tagged) and drills from there', async () => {
      const result = await backups.run('db-offsite', { trigger: 'test' });
      expect(result.snapshot.id).toMatch(/^[0-9a-f]{8,64}$/);
      expect((await backups.list('db-offsite')).map((s) => s.id)).toEqual([result.snapshot.id]);
      const report = await runDrill(backups, 'db-offsite', { trigger: 'test' });
      expect(report.failures).toEqual([]);
      expect(await databaseExists(scratchDatabaseOf(report.target))).toBe(false);
      const verified = await backups.verify('db-offsite', { trigger: 'test', readDataPercent: 100 });
      expect(verified.ok).toBe(true);
      expect(verified.results[0]?.scope).toBe('restic check --read-data-subset=100%');
    });

    it('a wrong restic password on a repository already in use is a clear error and keeps nothing', async () => {
      const before = (await backups.list('db-offsite')).map((s) => s.id);
      const wrong = stackFrom(
        readFileSync(configPath, 'utf8').replace(
          'repository: restic-repo',
          `repository: ${path.join(dir, 'restic-repo')}`,
        ),
        {
          ...stackEnv,
          RESTIC_PASSWORD: 'canary-not-the-restic-pass-1e4a',
        },
      );
      const other = openBackups(wrong.config, wrong.configPath, store.db);
      const error = await other.run('db-offsite', { trigger: 'test' }).catch((e: unknown) => e);
      rmSync(wrong.dir, { recursive: true, force: true });
      expect(error).toBeInstanceOf(DayshiftError);
      expect((error as DayshiftError).code).toBe('BACKUP_PASSPHRASE');
      expect((error as Error).message).not.toContain('canary-not-the-restic-pass-1e4a');
      expect((await backups.list('db-offsite')).map((s) => s.id)).toEqual(before);
    });

    it('restores into a new database with --to, and refuses the original while it holds data unless forced', async () => {
      const restored = await restoreBackup(backups, 'db', { to: restoredName, trigger: 'test' });
      expect(restored.bytes).toBe(restored.snapshot.entries[0]?.size);
      expect(await one(urlFor(restoredName), 'select count(*)::int n from order_lines')).toEqual({
        n: 12000,
      });

      const refused = await restoreBackup(backups, 'db', { trigger: 'test' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DayshiftError);
      expect((refused as DayshiftError).message).toMatch(
        /holds data; restoring db over it replaces that data/,
      );
      expect((refused as DayshiftError).hint).toMatch(/--force/);

      // A mistake to undo: rows lost in the original.
      await one(urlFor(source), 'delete from order_lines where qty = 1');
      const before = (await backups.list('db')).length;
      const forced = await restoreBackup(backups, 'db', { force: true, trigger: 'test' });
      expect(forced.safetySnapshot).toBeDefined();
      const after = await backups.list('db');
      expect(after).toHaveLength(before + 1);
      // The safety snapshot holds the state before the restore: the rows already lost.
      const safety = after.find((s) => s.id === forced.safetySnapshot);
      expect((safety?.source.rows as Record<string, number> | undefined)?.order_lines).toBe(8000);
      expect(await one(urlFor(source), 'select count(*)::int n from order_lines')).toEqual({ n: 12000 });
    });

    it('a login the server refuses is a clear error, a failed run, and no snapshot', async () => {
      const error = await backups.run('refused', { trigger: 'test' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DayshiftError);
      expect((error as Error).message).toMatch(/no_such_role/);
      expect(await backups.list('refused')).toEqual([]);
      const runs = await store.db.selectFrom('runs').selectAll().where('name', '=', 'refused').execute();
      expect(runs.map((r) => r.status)).toEqual(['failed']);
      expect(runs[0]?.summary).toMatch(/no_such_role/);
    });

    it('no password or passphrase appears in any run record', async () => {
      const runs = await store.db.selectFrom('runs').selectAll().execute();
      const steps = await store.db.selectFrom('run_steps').selectAll().execute();
      const manifests = await store.db.selectFrom('backup_manifests').selectAll().execute();
      expect(runs.length).toBeGreaterThanOrEqual(8);
      const everything = JSON.stringify({ runs, steps, manifests });
      for (const secret of [ROLE_PASSWORD, PASSPHRASE, RESTIC_PASSWORD])
        expect(everything).not.toContain(secret);
    });
  },
);
