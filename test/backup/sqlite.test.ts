import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { snapshotDump } from '../../src/backup/repositories/local/snapshot-run.js';
import { dumpSqlite } from '../../src/backup/sources/sqlite.js';
import { until } from '../helpers/wait.js';

/**
 * Another process writes all the time: each transaction adds an order and its three items, and the
 * order's total is the sum of its items. A consistent copy never has an order without its items.
 */
const WRITER = `
const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
const db = new Database(process.argv[1]);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.exec('create table if not exists orders (id integer primary key, total integer not null); create table if not exists items (order_id integer not null, amount integer not null)');
const order = db.prepare('insert into orders (total) values (?)');
const item = db.prepare('insert into items (order_id, amount) values (?, ?)');
const add = db.transaction((n) => { const id = order.run(n * 6).lastInsertRowid; for (const k of [1, 2, 3]) item.run(id, n * k); });
let n = 0;
process.stdout.write('ready\\n');
setInterval(() => { for (let i = 0; i < 50; i++) add(++n); }, 1);
`;

describe('sqlite backups while another process writes', () => {
  let dir: string;
  let writer: ChildProcess;
  const file = () => path.join(dir, 'app.sqlite3');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-sqlitebk-'));
    writer = spawn(process.execPath, ['-e', WRITER, file()], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => writer.stdout?.once('data', () => resolve()));
    await until(() => {
      try {
        const db = new Database(file(), { readonly: true });
        const n = Number(db.prepare('select count(*) from orders').pluck().get());
        db.close();
        return n > 5_000 ? true : undefined;
      } catch {
        return undefined;
      }
    }, 'the writer to have written a while');
  });
  afterAll(() => {
    writer.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a consistent copy that passes integrity_check, with the row counts of that copy', async () => {
    const repo = new LocalRepository(path.join(dir, 'repo'));
    const manifest = await snapshotDump(repo, 'app', await dumpSqlite({ path: 'app.sqlite3' }, dir));
    const rows = manifest.source.rows as Record<string, number>;
    expect(rows.orders).toBeGreaterThan(5_000);
    expect(rows.items).toBe((rows.orders ?? 0) * 3);
    expect(writer.exitCode).toBeNull();

    const restored = path.join(dir, 'restored.sqlite3');
    await pipeline(await repo.read('app', manifest.id, 'db.sqlite3'), createWriteStream(restored));
    const db = new Database(restored, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(Number(db.prepare('select count(*) from orders').pluck().get())).toBe(rows.orders);
      const broken = db
        .prepare(
          'select count(*) from orders o where o.total != (select coalesce(sum(amount), 0) from items i where i.order_id = o.id)',
        )
        .pluck()
        .get();
      expect(broken).toBe(0);
    } finally {
      db.close();
    }
  });

  it('a database that does not exist is a clear error and no snapshot', async () => {
    const repo = new LocalRepository(path.join(dir, 'repo'));
    await expect(dumpSqlite({ path: 'missing.sqlite3' }, dir)).rejects.toThrow(
      /the SQLite database .*missing\.sqlite3 does not exist/,
    );
    expect(await repo.list('missing')).toEqual([]);
  });
});
