import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * The audit log: one row per action someone took (who, what, on what, with which parameters, the
 * result and the run it started). Append-only: the store itself refuses UPDATE and DELETE on it.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const big = caps.timestampType === 'bigint' ? 'bigint' : 'integer';
  await caps
    .addIdColumn(db.schema.createTable('audit_log'), 'id')
    .addColumn('at', caps.timestampType, (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('run_id', big)
    .execute();
  await db.schema.createIndex('audit_log_by_at').on('audit_log').columns(['at', 'id']).execute();
  await caps.refuseChanges(db, 'audit_log');
}
