import { type Kysely, sql } from 'kysely';
import type { StoreCapabilities } from '../../capabilities.js';
import type { Database } from '../../schema.js';

/** How often a migration start retries while another process holds the SQLite write lock. */
const MIGRATION_BUSY_RETRIES = 50;

export const sqliteCapabilities: StoreCapabilities = {
  skipLocked: false,
  concurrentWriters: false,
  timestampType: 'integer',
  addIdColumn: (table, name) => table.addColumn(name, 'integer', (col) => col.primaryKey().autoIncrement()),
  clusterByPrimaryKey: (table) => table.modifyEnd(sql`without rowid`),
  async exclusive(db, fn) {
    // BEGIN IMMEDIATE takes the write lock before the first read, so read-then-decide is safe
    // across processes; the Kysely SQLite driver already serialises users of its one connection.
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn as Kysely<Database>);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {});
        throw error;
      }
    });
  },
  async refuseChanges(db, table) {
    for (const op of ['update', 'delete'])
      await sql
        .raw(
          `create trigger ${table}_refuse_${op} before ${op} on ${table} begin select raise(abort, '${table} is append-only: ${op} refused'); end`,
        )
        .execute(db);
  },
  async withMigrationLock(_db, fn) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY');
        if (!busy || attempt >= MIGRATION_BUSY_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  },
};
