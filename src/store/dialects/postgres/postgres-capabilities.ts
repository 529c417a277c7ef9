import { sql } from 'kysely';
import type { StoreCapabilities } from '../../capabilities.js';

/** Advisory lock keys: arbitrary constants, the same in every Dayshift process. */
const CLAIM_LOCK_KEY = 7_070_001;
const MIGRATION_LOCK_KEY = 7_070_002;

export const postgresCapabilities: StoreCapabilities = {
  skipLocked: true,
  concurrentWriters: true,
  timestampType: 'bigint',
  addIdColumn: (table, name) => table.addColumn(name, 'bigserial', (col) => col.primaryKey()),
  clusterByPrimaryKey: (table) => table,
  async exclusive(db, fn) {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(CLAIM_LOCK_KEY)})`.execute(trx);
      return fn(trx);
    });
  },
  async refuseChanges(db, table) {
    await sql
      .raw(
        `create function ${table}_refuse_change() returns trigger language plpgsql as $$ begin raise exception '${table} is append-only: % refused', lower(tg_op); end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${table}_refuse_change before update or delete on ${table} for each row execute function ${table}_refuse_change()`,
      )
      .execute(db);
    // TRUNCATE skips row triggers; a statement trigger refuses it too.
    await sql
      .raw(
        `create trigger ${table}_refuse_truncate before truncate on ${table} for each statement execute function ${table}_refuse_change()`,
      )
      .execute(db);
  },
  async withMigrationLock(db, fn) {
    // Kysely's migrator locks once its own tables exist; this session lock, held on one pooled
    // connection while the migrator works on others, also covers creating them on a fresh database.
    return db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      }
    });
  },
};
