import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { StoreCapabilities } from './capabilities.js';
import { postgresCapabilities } from './dialects/postgres/postgres-capabilities.js';
import { openPostgres } from './dialects/postgres/postgres-store.js';
import { sqliteCapabilities } from './dialects/sqlite/sqlite-capabilities.js';
import { openSqlite } from './dialects/sqlite/sqlite-store.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type { StoreCapabilities } from './capabilities.js';
export type { Database } from './schema.js';

export interface StoreOptions {
  /** `postgres://` or `postgresql://`: a store shared by several nodes. */
  url?: string;
  /** The embedded store's file; used when no URL is given. */
  sqlitePath?: string;
  poolSize?: number;
}

/** The one query layer over SQLite and PostgreSQL. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly caps: StoreCapabilities;
  /** `sqlite:/abs/path` or the PostgreSQL URL with its password hidden. */
  readonly description: string;
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<{ applied: string[] }>;
  pendingMigrations(): Promise<string[]>;
  /** Throws STORE_UNAVAILABLE when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the store (without migrating it). */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.url) {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      // Wrong input, not a store that is down: exit 2, not 3.
      throw new DayshiftError(
        'CONFIG_INVALID',
        'the store URL must start with postgres:// or postgresql://',
        {
          hint: 'set DAYSHIFT_DATABASE_URL=postgres://user:password@host:5432/dbname, or unset it to use SQLite',
        },
      );
    }
    const opened = await openPostgres(options.url, { poolSize: options.poolSize });
    const store = makeStore(opened, postgresCapabilities);
    await store.ping().catch(async (error) => {
      await opened.close().catch(() => {});
      throw error;
    });
    return store;
  }
  if (!options.sqlitePath) {
    throw new DayshiftError('CONFIG_INVALID', 'no store configured', {
      hint: 'give a SQLite path or set DAYSHIFT_DATABASE_URL',
    });
  }
  return makeStore(openSqlite(options.sqlitePath), sqliteCapabilities);
}

function makeStore(
  opened: { db: Kysely<Database>; description: string; close(): Promise<void> },
  caps: StoreCapabilities,
): Store {
  const { db, description } = opened;
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, migration] of Object.entries(migrations)) {
        out[name] = { up: (migrationDb) => migration.up(migrationDb, caps) };
      }
      return out;
    },
  };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'dayshift_migrations',
    migrationLockTableName: 'dayshift_migrations_lock',
  });
  return {
    db,
    caps,
    description,
    async migrate() {
      const result = await caps.withMigrationLock(db, () => migrator.migrateToLatest());
      if (result.error) {
        throw new DayshiftError('STORE_MIGRATION_FAILED', `migrating the store ${description} failed`, {
          cause: result.error,
          hint: 'the store is unchanged past the last applied migration; fix the cause and start again',
        });
      }
      return {
        applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
      };
    },
    async pendingMigrations() {
      const all = await migrator.getMigrations();
      return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw new DayshiftError('STORE_UNAVAILABLE', `the store ${description} does not answer`, {
          cause: error,
          hint: 'check that the database is running and DAYSHIFT_DATABASE_URL is right',
        });
      }
    },
    close: opened.close,
  };
}
