import type { Readable } from 'node:stream';
import type pg from 'pg';
import { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { secretUrl } from '../../schema/secret-schema.js';
import { loadPg } from '../../util/client-libraries.js';
import { checkedOutput, feedTool, MagicCheck, readerDone, runTool } from './shared/dump.js';
import { PgArchiveCheck } from './shared/pg-archive-check.js';
import { abandonedScratch, SCRATCH_LIKE, scratchName } from './shared/scratch-names.js';
import type { Dump, RestoreTarget } from './types.js';
import { defineSource, type SourceContext, unexpectedTo } from './types.js';

const options = z.strictObject({
  url: secretUrl(['postgres', 'postgresql']),
  /** Only these schemas; all when omitted. */
  schemas: z.array(z.string().min(1)).optional(),
});

/** pg_dump in custom format, restored with pg_restore; a drill restores into a scratch database it creates. */
export const postgresBackupSource = defineSource({
  kind: 'postgres',
  drillAssertions: ['sql', 'row_counts', 'command'],
  description: 'pg_dump in custom format, restored with pg_restore',
  options,
  /** The server a drill creates its scratch database on (and drops it after); the source's when omitted. */
  target: z.strictObject({ url: secretUrl(['postgres', 'postgresql']) }),
  restoreTo: {
    kind: 'database',
    schemes: ['postgres', 'postgresql'],
    defaultPort: 5432,
    urlOf: (o) => o.url.reveal(),
  },
  dump: (o, ctx: SourceContext) => dumpPostgres(o, ctx.signal),
  async scratch(o, into) {
    const server = into?.url.reveal() ?? o.url.reveal();
    return new PostgresTarget(withDatabase(server, scratchName()), true);
  },
  async sweepScratch(o, into, olderThanMs) {
    const server = withDatabase(into?.url.reveal() ?? o.url.reveal(), 'postgres');
    return new PostgresTarget(server, false).dropAbandonedScratch(olderThanMs);
  },
  async restoreTarget(o, to) {
    if (to === undefined) return new PostgresTarget(o.url.reveal(), false);
    if (to.kind !== 'database') return unexpectedTo('postgres', to);
    return new PostgresTarget(withDatabase(to.serverUrl, to.database), false);
  },
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** A database restore target; it is created when it does not exist, and a scratch one is dropped after. */
class PostgresTarget implements RestoreTarget {
  readonly description: string;
  readonly #url: string;
  readonly #database: string;
  readonly #scratch: boolean;

  constructor(url: string, scratch: boolean) {
    const parsed = new URL(url);
    this.#url = url;
    this.#database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
    this.#scratch = scratch;
    this.description = `${scratch ? 'scratch ' : ''}database ${this.#database} on ${parsed.host}`;
  }

  async occupied(): Promise<boolean> {
    if (!(await this.#exists())) return false;
    const [row] = await this.#query<{ n: string }>(
      this.#url,
      `select count(*) as n from information_schema.tables
        where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  async restore(stream: Readable, options: { over: boolean; signal?: AbortSignal }): Promise<void> {
    if (!(await this.#exists()))
      await this.#query(
        withDatabase(this.#url, 'postgres'),
        `create database ${(await loadPg()).escapeIdentifier(this.#database)}`,
      );
    await restorePostgres(this.#url, stream, options);
  }

  async query(sql: string): Promise<unknown> {
    const [row] = await this.#query<Record<string, unknown>>(this.#url, sql);
    return row ? Object.values(row)[0] : undefined;
  }

  async rowCounts(): Promise<Record<string, number>> {
    const client = new (await loadPg()).Client({ connectionString: this.#url });
    await client.connect();
    try {
      return await countRows(client, undefined);
    } finally {
      await client.end();
    }
  }

  async dispose(): Promise<void> {
    if (!this.#scratch) return;
    await this.#query(
      withDatabase(this.#url, 'postgres'),
      `drop database if exists ${(await loadPg()).escapeIdentifier(this.#database)} with (force)`,
    );
  }

  /** Drops the scratch databases on this server that killed drills left behind; returns their names. */
  async dropAbandonedScratch(olderThanMs: number): Promise<string[]> {
    const rows = await this.#query<{ name: string }>(
      this.#url,
      // Only those this role may drop: its own, or every one for a superuser.
      `select datname as name from pg_database
        where datname like '${SCRATCH_LIKE}' and pg_has_role(datdba, 'MEMBER')`,
    );
    const doomed = abandonedScratch(
      rows.map((r) => r.name),
      Date.now(),
      olderThanMs,
    );
    const pg = await loadPg();
    for (const name of doomed)
      await this.#query(this.#url, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    return doomed;
  }

  async #exists(): Promise<boolean> {
    const rows = await this.#query(
      withDatabase(this.#url, 'postgres'),
      `select 1 from pg_database where datname = '${this.#database.replace(/'/g, "''")}'`,
    );
    return rows.length > 0;
  }

  async #query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
    const client = new (await loadPg()).Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query<T>(text)).rows;
    } catch (error) {
      throw new DayshiftError('BACKUP_FAILED', `${this.description}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** The first PostgreSQL release (14) with client_connection_check_interval. */
const CONNECTION_CHECK_SINCE = 140_000;

/** The URL without its password, and the password for PGPASSWORD: never on a command line. */
export function splitCredentials(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/**
 * Dumps a database with `pg_dump -Fc`, streamed. The row counts the drill compares with are taken in
 * the very snapshot pg_dump reads (`pg_export_snapshot` shared through `--snapshot`), so they match the
 * dump exactly while the application keeps writing. The stream must start with PGDMP, pg_dump must
 * exit 0, and an empty dump fails.
 */
export async function dumpPostgres(o: z.output<typeof options>, signal?: AbortSignal): Promise<Dump> {
  const { url, env } = splitCredentials(o.url.reveal());
  const client = new (await loadPg()).Client({
    connectionString: o.url.reveal(),
    application_name: 'dayshift backup',
  });
  // A connection the server ends (a restart, a dropped database) fails the dump through its query.
  client.on('error', () => {});
  // Ending the connection is what releases its transaction and the snapshot pg_dump reads: on every
  // failure before the dump is handed over, and when the backup stops (the repository failed, the node
  // shuts down) while the row counts still run.
  let ended: Promise<void> | undefined;
  const end = (): Promise<void> => {
    ended ??= client.end().catch(() => {});
    return ended;
  };
  const onAbort = () => void end();
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = async () => {
    signal?.removeEventListener('abort', onAbort);
    await end();
  };
  let snapshot: string;
  let version: string | undefined;
  let versionNum = 0;
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new DayshiftError(
        'BACKUP_FAILED',
        `could not connect to the database to back it up: ${(error as Error).message}`,
        { hint: 'check the url (host, user, password) of the postgres source', cause: error },
      );
    }
    await client.query('begin isolation level repeatable read read only');
    // The row counts run beside pg_dump: on one core, so they do not take the cores the dump needs.
    await client.query('set local max_parallel_workers_per_gather = 0');
    versionNum = Number(
      (await client.query<{ n: string }>("select current_setting('server_version_num') as n")).rows[0]?.n,
    );
    // A count still running when the backup stops (or one waiting for a lock) would go on after its
    // connection closed; from PostgreSQL 14 the server notices the closed connection and cancels it.
    if (versionNum >= CONNECTION_CHECK_SINCE)
      await client.query("set local client_connection_check_interval = '1s'");
    snapshot = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]?.id ?? '';
    version = (await client.query<{ v: string }>('show server_version')).rows[0]?.v;
    if (signal?.aborted) throw signal.reason;
  } catch (error) {
    await release();
    throw error instanceof DayshiftError
      ? error
      : new DayshiftError('BACKUP_FAILED', `the postgres dump could not start: ${(error as Error).message}`, {
          hint: 'nothing was kept; check the role can read the database',
          cause: error,
        });
  }
  const args = ['--format=custom', `--snapshot=${snapshot}`, `--dbname=${url}`];
  for (const schema of o.schemas ?? []) args.push(`--schema=${schema}`);
  const tool = runTool('pg_dump', args, {
    credentials: env,
    env: {
      PGAPPNAME: 'dayshift backup',
      // pg_dump's own session too, so a pg_dump stopped while it waits for a table lock leaves no
      // session waiting behind it.
      ...(versionNum >= CONNECTION_CHECK_SINCE
        ? { PGOPTIONS: `${process.env.PGOPTIONS ?? ''} -c client_connection_check_interval=1000`.trim() }
        : {}),
    },
    signal,
    what: 'the postgres dump',
  });
  const magic = new MagicCheck('PGDMP', 'pg_dump');
  const archive = new PgArchiveCheck();
  const { stream, readerFailure } = checkedOutput(tool.stdout, magic, archive);
  const finished = (async () => {
    try {
      const rows = await countRows(client, o.schemas).catch((error: unknown) => {
        throw new DayshiftError(
          'BACKUP_FAILED',
          `counting the rows of the postgres dump failed: ${(error as Error).message}`,
          { hint: 'nothing was kept', cause: error },
        );
      });
      await tool.exited.catch((error: unknown) => {
        throw readerFailure() ?? error;
      });
      if (magic.seen === 0)
        throw new DayshiftError('BACKUP_FAILED', 'the postgres dump is empty', { hint: 'nothing was kept' });
      await readerDone(archive);
      if (!archive.complete)
        throw new DayshiftError(
          'BACKUP_FAILED',
          `the postgres dump ended before the archive was complete: ${archive.describeMissing()}`,
          { hint: 'nothing was kept; run the backup again' },
        );
      return {
        kind: 'postgres',
        server_version: version,
        tool: 'pg_dump --format=custom',
        archive: archive.version ?? null,
        ...(archive.unchecked ? { warnings: archive.unchecked } : {}),
        rows,
      };
    } catch (error) {
      // The counts may have failed first because the backup stopped; the tool's end still follows.
      await tool.exited.catch(() => {});
      throw error;
    } finally {
      if (!ended) await client.query('commit').catch(() => {});
      await release();
    }
  })();
  // The caller awaits it after storing the stream; a failure before then is not unhandled.
  finished.catch(() => {});
  // pg_dump compresses the custom format itself (zlib, level 6 by default).
  return { streams: [{ name: 'db.dump', stream, compressed: true }], finished };
}

async function countRows(
  client: pg.Client,
  schemas: readonly string[] | undefined,
): Promise<Record<string, number>> {
  const tables = await client.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
      ${schemas?.length ? 'and table_schema = any($1)' : ''} order by 1, 2`,
    schemas?.length ? [schemas] : [],
  );
  const out: Record<string, number> = {};
  for (const t of tables.rows) {
    const ident = `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${ident}`);
    out[t.schema === 'public' ? t.name : `${t.schema}.${t.name}`] = Number(rows[0]?.n ?? 0);
  }
  return out;
}

/**
 * Restores a `pg_dump -Fc` stream with pg_restore into a database that exists: an empty one, or with
 * `over` one whose objects are dropped and recreated (`--clean --if-exists`).
 */
export async function restorePostgres(
  targetUrl: string,
  stream: Readable,
  options: { over?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const { url, env } = splitCredentials(targetUrl);
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${url}`];
  if (options.over) args.push('--clean', '--if-exists');
  await feedTool('pg_restore', args, stream, {
    credentials: env,
    signal: options.signal,
    what: 'the postgres restore',
    hint: 'the target database may hold a partial restore; drop it before trying again',
  });
}
