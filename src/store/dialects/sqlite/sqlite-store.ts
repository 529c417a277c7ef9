import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { DayshiftError } from '../../../errors.js';
import type { Database } from '../../schema.js';

/** Opens the embedded store: one file, WAL so readers never block the writer. */
export function openSqlite(file: string): {
  db: Kysely<Database>;
  description: string;
  close(): Promise<void>;
} {
  const absolute = path.resolve(file);
  let connection: BetterSqlite3.Database;
  try {
    mkdirSync(path.dirname(absolute), { recursive: true });
    connection = new BetterSqlite3(absolute);
    connection.pragma('journal_mode = WAL');
    // Another process may hold the write lock for a moment (a claim, a migration); wait, don't fail.
    connection.pragma('busy_timeout = 5000');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
  } catch (error) {
    throw new DayshiftError('STORE_UNAVAILABLE', `cannot open the SQLite store at ${absolute}`, {
      cause: error,
      hint: 'check that the folder is writable, or set DAYSHIFT_DATABASE_URL to use PostgreSQL',
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  return {
    db,
    description: `sqlite:${absolute}`,
    close: () => db.destroy(),
  };
}
