import { type Kysely, sql } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/** The durable job queue: jobs, their events (progress and state changes) and recurring schedules. */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  await caps
    .addIdColumn(db.schema.createTable('jobs'), 'id')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_at', ts, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('unique_key', 'text')
    .addColumn('concurrency_key', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('progress', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('started_at', ts)
    .addColumn('finished_at', ts)
    .execute();
  // The claim reads due queued jobs by priority then due time.
  await db.schema
    .createIndex('jobs_claim')
    .on('jobs')
    .columns(['priority desc', 'run_at', 'id'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  // No second job with the same unique key while one is queued or running.
  await db.schema
    .createIndex('jobs_unique_key')
    .on('jobs')
    .column('unique_key')
    .unique()
    .where(sql<boolean>`status in ('queued', 'running') and unique_key is not null`)
    .execute();
  await db.schema
    .createIndex('jobs_running_lease')
    .on('jobs')
    .columns(['lease_expires_at'])
    .where(sql.ref('status'), '=', 'running')
    .execute();
  await db.schema
    .createIndex('jobs_concurrency_key')
    .on('jobs')
    .columns(['concurrency_key', 'status'])
    .execute();
  await db.schema.createIndex('jobs_status_kind').on('jobs').columns(['status', 'kind']).execute();
  await db.schema.createIndex('jobs_started_at').on('jobs').column('started_at').execute();

  await caps
    .addIdColumn(db.schema.createTable('job_events'), 'id')
    .addColumn('job_id', ts === 'bigint' ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await db.schema.createIndex('job_events_job').on('job_events').columns(['job_id', 'id']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('every_ms', ts)
    .addColumn('cron', 'text')
    .addColumn('timezone', 'text')
    .addColumn('next_run_at', ts, (c) => c.notNull())
    .addColumn('last_run_at', ts)
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
}
