import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { secretUrl } from '../../schema/secret-schema.js';
import { loadMysql } from '../../util/client-libraries.js';
import { checkedOutput, feedTool, readerDone, runTool } from './shared/dump.js';
import { MysqlDumpReader } from './shared/mysql-dump-reader.js';
import { abandonedScratch, SCRATCH_LIKE, scratchName } from './shared/scratch-names.js';
import type { Dump, RestoreTarget } from './types.js';
import { defineSource, unexpectedTo } from './types.js';

const options = z.strictObject({
  /** mysql://user:password@host:3306/database: one database, restorable under another name. */
  url: secretUrl(['mysql', 'mariadb']),
});

/**
 * mariadb-dump (or mysqldump) with `--single-transaction --routines --triggers`, streamed; restored with
 * the mariadb (or mysql) client. The dump names no database, so it restores under any name.
 */
export const mysqlBackupSource = defineSource({
  kind: 'mysql',
  drillAssertions: ['sql', 'row_counts', 'command'],
  description: 'mariadb-dump or mysqldump --single-transaction, restored with the mariadb client',
  options,
  /** The server a drill creates its scratch database on (and drops it after); the source's when omitted. */
  target: z.strictObject({ url: secretUrl(['mysql', 'mariadb']) }),
  restoreTo: {
    kind: 'database',
    schemes: ['mysql', 'mariadb'],
    defaultPort: 3306,
    urlOf: (o) => o.url.reveal(),
  },
  dump: (o, ctx) => dumpMysql(o.url.reveal(), ctx.signal),
  async scratch(o, into) {
    return new MysqlTarget(into?.url.reveal() ?? o.url.reveal(), scratchName(), true);
  },
  async sweepScratch(o, into, olderThanMs) {
    return new MysqlTarget(into?.url.reveal() ?? o.url.reveal(), undefined, false).dropAbandonedScratch(
      olderThanMs,
    );
  },
  async restoreTarget(o, to) {
    if (to === undefined) return new MysqlTarget(o.url.reveal(), undefined, false);
    if (to.kind !== 'database') return unexpectedTo('mysql', to);
    return new MysqlTarget(to.serverUrl, to.database, false);
  },
});

/** Host, port and user as client arguments, the password only in MYSQL_PWD, and the database. */
function connection(url: string): { args: string[]; env: NodeJS.ProcessEnv; database: string; host: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  if (!database)
    throw new DayshiftError('BACKUP_FAILED', 'the mysql url names no database', {
      hint: 'write it as mysql://user:password@host:3306/database',
    });
  const args = [
    '--protocol=TCP',
    `--host=${parsed.hostname || '127.0.0.1'}`,
    `--port=${parsed.port || '3306'}`,
  ];
  if (parsed.username) args.push(`--user=${decodeURIComponent(parsed.username)}`);
  const password = decodeURIComponent(parsed.password);
  return { args, env: password ? { MYSQL_PWD: password } : {}, database, host: parsed.host };
}

/** The first of the commands found on PATH: MariaDB's names first, then MySQL's. */
export function findTool(names: readonly string[]): string {
  for (const name of names)
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return name;
      } catch {
        // not in this directory
      }
    }
  return names[0] as string;
}

export async function dumpMysql(url: string, signal?: AbortSignal): Promise<Dump> {
  const { args, env, database } = connection(url);
  const command = findTool(['mariadb-dump', 'mysqldump']);
  const tool = runTool(
    command,
    [
      ...args,
      '--single-transaction',
      '--routines',
      '--triggers',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '--',
      database,
    ],
    { credentials: env, signal, what: 'the mysql dump' },
  );
  const reader = new MysqlDumpReader();
  const { stream, readerFailure } = checkedOutput(tool.stdout, reader);
  const finished = (async () => {
    await tool.exited.catch((error: unknown) => {
      throw readerFailure() ?? error;
    });
    await readerDone(reader);
    if (!reader.completed)
      throw new DayshiftError(
        'BACKUP_FAILED',
        `the mysql dump from ${command} ended before it was complete`,
        {
          hint: 'nothing was kept',
        },
      );
    return {
      kind: 'mysql',
      tool: `${command} --single-transaction --routines --triggers`,
      server_version: reader.serverVersion,
      rows: reader.rows,
    };
  })();
  finished.catch(() => {});
  return { streams: [{ name: 'db.sql', stream }], finished };
}

/** Restores a dump with the mariadb/mysql client into a database that exists. */
export async function restoreMysql(url: string, stream: Readable, signal?: AbortSignal): Promise<void> {
  const { args, env, database } = connection(url);
  await feedTool(findTool(['mariadb', 'mysql']), [...args, '--binary-mode', '--', database], stream, {
    credentials: env,
    signal,
    what: 'the mysql restore',
    hint: 'the target database may hold a partial restore; drop it before trying again',
  });
}

/** A database restore target on a MySQL/MariaDB server; created when missing, a scratch one dropped after. */
class MysqlTarget implements RestoreTarget {
  readonly description: string;
  readonly #url: string;
  readonly #database: string;
  readonly #scratch: boolean;

  constructor(serverUrl: string, database: string | undefined, scratch: boolean) {
    const parsed = new URL(serverUrl);
    if (database !== undefined) parsed.pathname = `/${encodeURIComponent(database)}`;
    this.#url = parsed.toString();
    this.#database = database ?? connection(serverUrl).database;
    this.#scratch = scratch;
    this.description = `${scratch ? 'scratch ' : ''}database ${this.#database} on ${parsed.host}`;
  }

  async occupied(): Promise<boolean> {
    const rows = await this.#run<{ n: number }>(
      'select count(*) as n from information_schema.tables where table_schema = ?',
      [this.#database],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async restore(stream: Readable, options: { over: boolean; signal?: AbortSignal }): Promise<void> {
    await this.#run(`create database if not exists ${ident(this.#database)}`);
    // The dump drops and recreates each table it holds (mariadb-dump's --add-drop-table default).
    await restoreMysql(this.#url, stream, options.signal);
  }

  async query(sql: string): Promise<unknown> {
    const rows = await this.#run<Record<string, unknown>>(sql, [], this.#database);
    const first = rows[0];
    return first ? Object.values(first)[0] : undefined;
  }

  async rowCounts(): Promise<Record<string, number>> {
    const tables = await this.#run<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' order by 1",
      [this.#database],
    );
    const out: Record<string, number> = {};
    for (const { name } of tables) {
      const [row] = await this.#run<{ n: number }>(
        `select count(*) as n from ${ident(name)}`,
        [],
        this.#database,
      );
      out[name] = Number(row?.n ?? 0);
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.#scratch) await this.#run(`drop database if exists ${ident(this.#database)}`);
  }

  /** Drops the scratch databases on this server that killed drills left behind; returns their names. */
  async dropAbandonedScratch(olderThanMs: number): Promise<string[]> {
    const rows = await this.#run<Record<string, string>>(`show databases like '${SCRATCH_LIKE}'`);
    const doomed = abandonedScratch(
      rows.map((r) => Object.values(r)[0] ?? ''),
      Date.now(),
      olderThanMs,
    );
    for (const name of doomed) await this.#run(`drop database if exists ${ident(name)}`);
    return doomed;
  }

  async #run<T>(sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
    const parsed = new URL(this.#url);
    let client: mysql.Connection | undefined;
    try {
      client = await (await loadMysql()).createConnection({
        host: parsed.hostname || '127.0.0.1',
        port: Number(parsed.port || 3306),
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        ...(database ? { database } : {}),
        supportBigNumbers: true,
      });
      const [rows] = await client.query(sql, params);
      return rows as T[];
    } catch (error) {
      throw new DayshiftError('BACKUP_FAILED', `${this.description}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await client?.end().catch(() => {});
    }
  }
}

function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
