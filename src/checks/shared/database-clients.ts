import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { DayshiftError } from '../../errors.js';
import type { Secret } from '../../schema/secret.js';
import { redactUrl } from '../../schema/secret.js';
import { loadMysql, loadPg, loadSqlite } from '../../util/client-libraries.js';
import {
  abortReason,
  connectionsPct,
  type NamedValue,
  safeMessage,
  valuesOfRows,
} from './database-values.js';

/** Rows as arrays so duplicate column names and their order survive. */
export interface QueryRows {
  columns: string[];
  rows: unknown[][];
}

/** A connection the probe holds for the length of one run. */
export interface DatabaseSession {
  query(sql: string): Promise<QueryRows>;
  close(): Promise<void>;
}

/**
 * Thrown by the helpers below with a message that is already safe to show (the check result carries
 * the message alone; the cause, scrubbed wherever it is printed, is for the log).
 */
export class ProbeError extends DayshiftError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CHECK_FAILED', message, options);
    this.name = 'ProbeError';
  }
}

/** The message of a failure inside a probe: safe text, never the URL's password. */
export function failureText(error: unknown, url: Secret): string {
  return error instanceof ProbeError ? error.message : safeMessage(error, url);
}

// int8 (count(*), sum of ints) and numeric arrive from pg as text to keep their precision; a check
// compares them with numbers, and counts beyond 2^53 do not occur in practice.
const NUMERIC_OIDS = new Set([20, 1700]);
const pgTypesOf = (lib: typeof pg) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMERIC_OIDS.has(oid)
      ? (text: string) => Number(text)
      : lib.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
});

/** Connects to PostgreSQL; the session ends when `signal` aborts, cancelling what runs. */
export async function openPostgres(
  url: Secret,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<DatabaseSession> {
  const lib = await loadPg();
  const client = new lib.Client({
    connectionString: url.reveal(),
    connectionTimeoutMillis: timeoutMs,
    // The server stops the query too, so a slow one does not keep running after the check gave up.
    statement_timeout: timeoutMs,
    application_name: 'dayshift',
    types: pgTypesOf(lib),
  });
  // A server that drops the connection later emits 'error' on an idle client; the query reports it.
  client.on('error', () => {});
  const stop = () => void client.end().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    await client.connect();
  } catch (error) {
    signal.removeEventListener('abort', stop);
    stop();
    throw new ProbeError(connectFailure(url, signal, error), { cause: error });
  }
  return {
    async query(sql) {
      const result = await client.query({ text: sql, rowMode: 'array' });
      return { columns: (result.fields ?? []).map((f) => f.name), rows: result.rows ?? [] };
    },
    async close() {
      signal.removeEventListener('abort', stop);
      await client.end().catch(() => {});
    },
  };
}

/** Connects to MySQL or MariaDB (`mysql://` or `mariadb://`). */
export async function openMysql(
  url: Secret,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<DatabaseSession> {
  const parsed = new URL(url.reveal());
  let connection: mysql.Connection | undefined;
  let aborted = false;
  const stop = () => {
    aborted = true;
    connection?.destroy();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    connection = await (await loadMysql()).createConnection({
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined,
      connectTimeout: timeoutMs,
      // Numbers as numbers, as conditions compare them; only integers past 2^53 stay text.
      decimalNumbers: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      rowsAsArray: true,
    });
    connection.on('error', () => {});
    if (aborted) connection.destroy();
  } catch (error) {
    signal.removeEventListener('abort', stop);
    throw new ProbeError(connectFailure(url, signal, error), { cause: error });
  }
  const open = connection;
  return {
    async query(sql) {
      const [rows, fields] = await open.query({ sql, rowsAsArray: true, timeout: timeoutMs });
      if (!Array.isArray(rows) || !fields) return { columns: [], rows: [] };
      return { columns: fields.map((f) => f.name), rows: rows as unknown[][] };
    },
    async close() {
      signal.removeEventListener('abort', stop);
      await open.end().catch(() => open.destroy());
    },
  };
}

/**
 * Opens a SQLite file read-only: a check must never create or change the database it watches.
 * `sqlite:///abs/path` is absolute; `sqlite:relative/path` and `sqlite://relative` start at baseDir.
 */
export async function openSqlite(url: Secret, timeoutMs: number, baseDir: string): Promise<DatabaseSession> {
  const path = sqlitePath(url.reveal(), baseDir);
  if (!existsSync(path)) throw new ProbeError(`the SQLite database ${path} does not exist`);
  const Sqlite = await loadSqlite();
  let db: Database.Database;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  } catch (error) {
    throw new ProbeError(`could not open the SQLite database ${path}: ${safeMessage(error, url)}`, {
      cause: error,
    });
  }
  return {
    async query(sql) {
      const statement = db.prepare(sql);
      if (!statement.reader) throw new ProbeError('the query returns no rows; a sql check runs a select');
      const rows = statement.raw(true).all() as unknown[][];
      return { columns: statement.columns().map((c) => c.name), rows };
    },
    async close() {
      db.close();
    },
  };
}

export function sqlitePath(raw: string, baseDir: string): string {
  let rest = raw.replace(/^sqlite:/, '').replace(/[?#].*$/, '');
  if (rest.startsWith('//')) rest = rest.slice(2);
  rest = decodeURIComponent(rest);
  return isAbsolute(rest) ? rest : resolve(baseDir, rest);
}

function connectFailure(url: Secret, signal: AbortSignal, error: unknown): string {
  const why = signal.aborted ? abortReason(signal) : safeMessage(error, url);
  return `could not connect to ${redactUrl(url.reveal())}: ${why}`;
}

/** The server's connection figures, then the user's query's values beside them (postgres and mysql). */
export async function connectionValues(
  session: DatabaseSession,
  query: string | undefined,
  readConnections: (session: DatabaseSession) => Promise<[number, number]>,
): Promise<Record<string, NamedValue>> {
  const [connections, max] = await readConnections(session);
  const values: Record<string, NamedValue> = {
    connections,
    max_connections: max,
    connections_pct: connectionsPct(connections, max),
  };
  if (query) {
    const result = await session.query(query);
    Object.assign(values, valuesOfRows(result.columns, result.rows));
  }
  return values;
}
