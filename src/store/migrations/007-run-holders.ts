import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Who holds a run while it is `running`: the host, pid and process start time of the process that
 * opened it, so a run whose process was killed (a CLI backup killed in its terminal) can be told from
 * one still under way and closed; and the job whose attempt opened it, if one did (such a run is
 * settled through its job). Null for runs recorded before this migration.
 */
export async function up(db: Kysely<unknown>, _caps: StoreCapabilities): Promise<void> {
  await db.schema.alterTable('runs').addColumn('holder_host', 'text').execute();
  await db.schema.alterTable('runs').addColumn('holder_pid', 'integer').execute();
  await db.schema.alterTable('runs').addColumn('holder_started', 'text').execute();
  await db.schema.alterTable('runs').addColumn('holder_job', 'bigint').execute();
  await db.schema.createIndex('runs_by_status').on('runs').columns(['status']).execute();
}
