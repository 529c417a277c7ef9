import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Runs: one execution of a smoke suite (and later a runbook, drill or deploy) with its steps, kept as
 * evidence of what was done, when, and how each step ended.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  await caps
    .addIdColumn(db.schema.createTable('runs'), 'id')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('finished_at', ts)
    .addColumn('summary', 'text')
    .execute();
  await db.schema.createIndex('runs_by_kind').on('runs').columns(['kind', 'name', 'started_at']).execute();
  await db.schema
    .createTable('run_steps')
    .addColumn('run_id', ts === 'bigint' ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('duration_ms', 'real', (c) => c.notNull())
    .addColumn('result', 'text')
    .addPrimaryKeyConstraint('run_steps_pk', ['run_id', 'position'])
    .execute();
}
