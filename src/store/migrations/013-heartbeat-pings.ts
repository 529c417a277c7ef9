import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * The Healthchecks ping log: one row per ping a heartbeat received (success, fail, start, log), with
 * its exit status, run id, the body it carried (at most 100 KB, scrubbed of secrets) and, for a
 * finish, how long the run took since its start. The heartbeat row keeps what the verdict needs: the
 * run id of the open start and the last duration.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  await caps
    .addIdColumn(db.schema.createTable('heartbeat_pings'), 'id')
    .addColumn('check_id', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('exit_status', 'integer')
    .addColumn('rid', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_bytes', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', ts)
    .execute();
  await db.schema
    .createIndex('heartbeat_pings_by_check')
    .on('heartbeat_pings')
    .columns(['check_id', 'id'])
    .execute();
  await db.schema.alterTable('heartbeats').addColumn('last_start_rid', 'text').execute();
  await db.schema.alterTable('heartbeats').addColumn('last_duration_ms', ts).execute();
}
