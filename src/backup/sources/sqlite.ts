import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { loadSqlite } from '../../util/client-libraries.js';
import type { Dump, RestoreTarget } from './types.js';
import { defineSource, unexpectedTo } from './types.js';

const options = z.strictObject({ path: z.string().min(1) });

/** SQLite's online backup API (what `sqlite3 db ".backup"` does), consistent while the app writes. */
export const sqliteBackupSource = defineSource({
  kind: 'sqlite',
  drillAssertions: ['sql', 'row_counts', 'command'],
  description: "SQLite's online backup API, consistent while the application writes",
  options,
  /** The directory a drill writes the restored file in; the system's temp directory when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
  restoreTo: { kind: 'path' },
  dump: (o, ctx) => dumpSqlite(o, ctx.baseDir),
  async scratch(_o, into, ctx) {
    const parent = into?.path ? path.resolve(ctx.baseDir, into.path) : tmpdir();
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(path.join(parent, 'dayshift-drill-'));
    return new SqliteTarget(path.join(dir, 'restored.sqlite3'), dir);
  },
  async restoreTarget(o, to, ctx) {
    if (to === undefined) return new SqliteTarget(path.resolve(ctx.baseDir, o.path));
    if (to.kind !== 'path') return unexpectedTo('sqlite', to);
    return new SqliteTarget(to.path, undefined, to.recheck);
  },
});

/** A database file to restore into. Over an existing one, the online backup API replaces its pages. */
class SqliteTarget implements RestoreTarget {
  readonly description: string;
  readonly #file: string;
  readonly #scratchDir: string | undefined;
  readonly #recheck: () => void;

  /** `recheck` runs before the directory is made, before the file is written and before it is put in place. */
  constructor(file: string, scratchDir?: string, recheck: () => void = () => {}) {
    this.#file = file;
    this.#scratchDir = scratchDir;
    this.#recheck = recheck;
    this.description = `${scratchDir ? 'scratch ' : ''}SQLite database ${file}`;
  }

  async occupied(): Promise<boolean> {
    return ((await stat(this.#file).catch(() => undefined))?.size ?? 0) > 0;
  }

  async restore(stream: Readable, options: { over: boolean }): Promise<void> {
    const Sqlite = await loadSqlite();
    this.#recheck();
    await mkdir(path.dirname(this.#file), { recursive: true });
    this.#recheck();
    const temp = `${this.#file}.restoring-${randomBytes(4).toString('hex')}`;
    try {
      await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
      this.#recheck();
      const restored = new Sqlite(temp, { fileMustExist: true });
      try {
        const verdict = restored.pragma('integrity_check', { simple: true });
        if (verdict !== 'ok')
          throw new DayshiftError(
            'BACKUP_CORRUPT',
            `the restored database fails integrity_check: ${String(verdict)}`,
          );
        // Over a database in use, the backup API writes through SQLite's locks; a rename would not.
        if (options.over && (await this.occupied())) await restored.backup(this.#file);
      } finally {
        restored.close();
      }
      if (!(options.over && (await this.occupied()))) await rename(temp, this.#file);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async query(sql: string): Promise<unknown> {
    const db = new (await loadSqlite())(this.#file, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare(sql).raw().get() as unknown[] | undefined;
      return row?.[0];
    } finally {
      db.close();
    }
  }

  async rowCounts(): Promise<Record<string, number>> {
    const db = new (await loadSqlite())(this.#file, { readonly: true, fileMustExist: true });
    try {
      return countRows(db);
    } finally {
      db.close();
    }
  }

  async dispose(): Promise<void> {
    if (this.#scratchDir) await rm(this.#scratchDir, { recursive: true, force: true });
  }
}

/**
 * Copies the database with SQLite's online backup API into a temporary file (a consistent copy even
 * while other processes write: the copy restarts from the changed pages), checks it with
 * `PRAGMA integrity_check` and counts its rows, then streams the file into the snapshot.
 */
export async function dumpSqlite(o: z.output<typeof options>, baseDir: string): Promise<Dump> {
  const file = path.resolve(baseDir, o.path);
  await stat(file).catch((error: unknown) => {
    throw new DayshiftError('BACKUP_FAILED', `the SQLite database ${file} does not exist`, {
      hint: 'check path: under the sqlite source (relative to the stack file)',
      cause: error,
    });
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'dayshift-sqlite-'));
  const copy = path.join(dir, 'db.sqlite3');
  const Sqlite = await loadSqlite();
  const source = new Sqlite(file, { readonly: true, fileMustExist: true });
  // A writer holding the lock briefly makes a page step wait rather than fail.
  source.pragma('busy_timeout = 5000');
  let rows: Record<string, number>;
  let version: string;
  try {
    await source.backup(copy);
    const check = new Sqlite(copy, { readonly: true });
    try {
      const verdict = check.pragma('integrity_check', { simple: true });
      if (verdict !== 'ok')
        throw new DayshiftError(
          'BACKUP_FAILED',
          `the copy of ${file} fails integrity_check: ${String(verdict)}`,
        );
      rows = countRows(check);
      version = String(check.prepare('select sqlite_version() as v').pluck().get());
    } finally {
      check.close();
    }
  } catch (error) {
    source.close();
    await rm(dir, { recursive: true, force: true });
    throw error instanceof DayshiftError
      ? error
      : new DayshiftError('BACKUP_FAILED', `could not copy ${file}: ${(error as Error).message}`, {
          cause: error,
        });
  }
  source.close();
  const stream = createReadStream(copy);
  // The temporary copy goes once the stream closes: read to its end, failed, or destroyed by a backup
  // that stopped.
  const finished = new Promise<Record<string, unknown>>((resolve, reject) => {
    let failure: Error | undefined;
    stream.once('error', (error) => {
      failure = error;
    });
    stream.once('close', () => {
      void rm(dir, { recursive: true, force: true }).then(() =>
        failure
          ? reject(
              new DayshiftError('BACKUP_FAILED', `could not read the copy of ${file}: ${failure.message}`, {
                cause: failure,
              }),
            )
          : resolve({ kind: 'sqlite', tool: 'sqlite online backup API', sqlite_version: version, rows }),
      );
    });
  });
  finished.catch(() => {});
  return { streams: [{ name: 'db.sqlite3', stream }], finished };
}

function countRows(db: Database.Database): Record<string, number> {
  const tables = db
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .pluck()
    .all() as string[];
  const out: Record<string, number> = {};
  for (const name of tables)
    out[name] = Number(
      db
        .prepare(`select count(*) from "${name.replace(/"/g, '""')}"`)
        .pluck()
        .get(),
    );
  return out;
}
