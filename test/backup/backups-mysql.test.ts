import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { openBackups } from '../../src/backup/open.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { scratchName } from '../../src/backup/sources/shared/scratch-names.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const ADMIN_URL = process.env.DAYSHIFT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const USER_PASSWORD = 'canary-maria-pass-4f81';

async function admin(): Promise<mysql.Connection> {
  const u = new URL(ADMIN_URL);
  try {
    return await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      multipleStatements: true,
    });
  } catch (error) {
    throw new Error(`MariaDB is not reachable at ${ADMIN_URL}; start it as .ci/run does`, { cause: error });
  }
}

function urlFor(database: string, user: string, password: string): string {
  const u = new URL(ADMIN_URL);
  u.username = user;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

describe.each(STORE_KINDS)(
  'mysql backups through the backup service (real MariaDB, mariadb-dump, the mariadb client; %s store)',
  (kind) => {
    const suffix = randomBytes(4).toString('hex');
    const source = `dayshift_my_${suffix}`;
    const restored = `dayshift_my_restored_${suffix}`;
    const user = `dayshift_my_${suffix}`;
    let conn: mysql.Connection;
    let testStore: TestStore;
    let store: Store;
    let backups: Backups;
    let dir: string;

    beforeAll(async () => {
      conn = await admin();
      await conn.query(`create database ${source}`);
      await conn.query(`create user '${user}'@'%' identified by '${USER_PASSWORD}'`);
      await conn.query(`create user '${user}'@'localhost' identified by '${USER_PASSWORD}'`);
      for (const host of ['%', 'localhost'])
        await conn.query(`grant all privileges on *.* to '${user}'@'${host}'`);
      await conn.query(`
      use ${source};
      create table accounts (id int primary key auto_increment, email varchar(200) not null, note text);
      create table ledger (id bigint primary key auto_increment, account_id int, amount decimal(12,2), memo varchar(100));
      create table audit (id int primary key auto_increment, what varchar(50));
      insert into accounts (email, note) select concat('user', seq, '@example.com'), if(seq % 7 = 0, 'it''s (tricky), ok;', null) from seq_1_to_300;
      insert into ledger (account_id, amount, memo) select 1 + seq % 300, seq / 100, concat('entry ', seq) from seq_1_to_4000;
      create trigger ledger_audit after insert on ledger for each row insert into audit (what) values ('ledger');
      create function double_it(x int) returns int deterministic return x * 2;
    `);
      const stack = stackFrom(
        `version: 1
stack: backups-mysql
repositories:
  vault: { local: { path: vault } }
backups:
  app:
    source: { mysql: { url: "\${APP_URL}" } }
    repository: vault
    drill:
      assert:
        - row_counts: true
        - sql: "select double_it(21)"
          expect: "value == 42"
  wrong-password:
    source: { mysql: { url: "\${WRONG_URL}" } }
    repository: vault
`,
        {
          APP_URL: urlFor(source, user, USER_PASSWORD),
          WRONG_URL: urlFor(source, user, 'canary-wrong-7d0c'),
        },
      );
      dir = stack.dir;
      testStore = await createTestStore(kind);
      store = await testStore.open();
      backups = openBackups(stack.config, stack.configPath, store.db);
    });

    afterAll(async () => {
      await testStore?.destroy();
      rmSync(dir, { recursive: true, force: true });
      if (conn) {
        await conn.query(`drop database if exists ${source}`);
        await conn.query(`drop database if exists ${restored}`);
        await conn.query(`drop user if exists '${user}'@'%'`);
        await conn.query(`drop user if exists '${user}'@'localhost'`);
        await conn.end();
      }
    });

    it('round-trips a database with its rows, trigger and function into a new database', async () => {
      const { snapshot } = await backups.run('app', { trigger: 'test' });
      expect(snapshot.source).toMatchObject({
        kind: 'mysql',
        rows: { accounts: 300, ledger: 4000, audit: 0 },
      });

      await restoreBackup(backups, 'app', { to: restored, trigger: 'test' });
      const [counts] = (await conn.query(
        `select (select count(*) from ${restored}.accounts) a, (select count(*) from ${restored}.ledger) l,
              (select sum(amount) from ${restored}.ledger) s, (select note from ${restored}.accounts where id = 7) n`,
      )) as unknown as [Array<Record<string, unknown>>];
      expect(counts[0]).toMatchObject({ a: 300, l: 4000, s: '80020.00', n: "it's (tricky), ok;" });
      // The trigger came back with the data: a new ledger row writes an audit row.
      await conn.query(`insert into ${restored}.ledger (account_id, amount) values (1, 1)`);
      const [audit] = (await conn.query(`select count(*) n from ${restored}.audit`)) as unknown as [
        Array<{ n: number }>,
      ];
      expect(audit[0]?.n).toBe(1);
    });

    it('a drill restores into a scratch database, checks row counts and the routine, then drops it', async () => {
      const report = await runDrill(backups, 'app', { trigger: 'test' });
      expect(report.failures).toEqual([]);
      const scratch = report.target?.match(/database (\S+) on/)?.[1];
      expect(scratch).toMatch(/^dayshift_drill_/);
      const [left] = (await conn.query(
        'select count(*) n from information_schema.schemata where schema_name = ?',
        [scratch],
      )) as unknown as [Array<{ n: number }>];
      expect(left[0]?.n).toBe(0);
    });

    it('a drill drops the scratch databases killed drills left behind, and only those', async () => {
      const abandoned = `dayshift_drill_202001010000_${suffix.slice(0, 6)}`;
      const recent = scratchName();
      const exists = async (name: string) => {
        const [rows] = (await conn.query(
          'select count(*) n from information_schema.schemata where schema_name = ?',
          [name],
        )) as unknown as [Array<{ n: number }>];
        return rows[0]?.n === 1;
      };
      for (const name of [abandoned, recent]) await conn.query(`create database ${name}`);
      try {
        const report = await runDrill(backups, 'app', { trigger: 'test' });
        expect(report.failures).toEqual([]);
        expect(await exists(abandoned)).toBe(false);
        expect(await exists(recent)).toBe(true);
        // A drill running beside this one (another test file, same server) may have swept it first.
        const sweep = (await backups.env.runs.get(report.runId))?.steps.find((s) => s.name === 'sweep');
        if (sweep) expect(sweep).toMatchObject({ outcome: 'pass', result: { dropped: [abandoned] } });
      } finally {
        for (const name of [abandoned, recent]) await conn.query(`drop database if exists ${name}`);
      }
    });

    it('a wrong password is a clear error without the password, and no snapshot', async () => {
      const error = await backups.run('wrong-password', { trigger: 'test' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DayshiftError);
      expect((error as Error).message).toMatch(/Access denied for user/);
      expect((error as Error).message).not.toContain('canary-wrong-7d0c');
      expect(await backups.list('wrong-password')).toEqual([]);
      const everything = JSON.stringify(await store.db.selectFrom('run_steps').selectAll().execute());
      expect(everything).not.toContain(USER_PASSWORD);
      expect(everything).not.toContain('canary-wrong-7d0c');
    });
  },
);
