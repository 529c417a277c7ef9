import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Manifests of snapshots kept in repositories that cannot hold one beside the data (restic): sizes,
 * SHA-256, row counts and tool versions. A restic snapshot without a manifest row was never finished
 * (the process died mid-stream) and is never listed; prune forgets it.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('backup_manifests')
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('backup', 'text', (c) => c.notNull())
    .addColumn('created_at', caps.timestampType, (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('backup_manifests_pk', ['repository', 'snapshot'])
    .execute();
  await db.schema
    .createIndex('backup_manifests_by_backup')
    .on('backup_manifests')
    .columns(['repository', 'backup', 'created_at'])
    .execute();
}
