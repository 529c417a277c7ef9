import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Monitoring: each check's current state, raw samples (kept 48 h by default), rollups per minute, hour
 * and day with a mergeable latency sketch, every state transition (alerting reads them in id order),
 * heartbeat pings, and the nodes that share the checks between them.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  await db.schema
    .createTable('check_states')
    .addColumn('check_id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('since', ts, (c) => c.notNull())
    .addColumn('monitored_since', ts, (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('successes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_at', ts)
    .addColumn('last_outcome', 'text')
    .addColumn('last_latency_ms', 'real')
    .addColumn('last_reason', 'text')
    .addColumn('last_result', 'text')
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // No id column: samples are only ever read by check and time, and every byte counts at 2,000/s.
  await db.schema
    .createTable('check_samples')
    .addColumn('check_id', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'real', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('check_samples_by_check')
    .on('check_samples')
    .columns(['check_id', 'at'])
    .execute();
  await db.schema.createIndex('check_samples_by_time').on('check_samples').column('at').execute();

  // One row per check and period: resolution 'm', 'h' or 'd' (one letter, as it is repeated in every
  // key of the largest table). On SQLite the rows live in the primary key's b-tree (no rowid), so the
  // key is stored once; the time index serves retention and the rollups' reads of a period range.
  await caps
    .clusterByPrimaryKey(
      db.schema
        .createTable('check_rollups')
        .addColumn('check_id', 'text', (c) => c.notNull())
        .addColumn('resolution', 'text', (c) => c.notNull())
        .addColumn('start', ts, (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('warnings', 'integer', (c) => c.notNull())
        // double precision: a day's latency sum overflows the 7 digits of PostgreSQL's real.
        .addColumn('latency_sum', 'double precision', (c) => c.notNull())
        .addColumn('latency_max', 'double precision', (c) => c.notNull())
        .addColumn('sketch', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('check_rollups_pk', ['check_id', 'resolution', 'start']),
    )
    .execute();
  await db.schema
    .createIndex('check_rollups_by_time')
    .on('check_rollups')
    .columns(['resolution', 'start'])
    .execute();

  // How far each resolution is rolled up: every period starting before rolled_until is final.
  await db.schema
    .createTable('history_watermarks')
    .addColumn('resolution', 'text', (c) => c.primaryKey())
    .addColumn('rolled_until', ts, (c) => c.notNull())
    .execute();

  await caps
    .addIdColumn(db.schema.createTable('check_transitions'), 'id')
    .addColumn('check_id', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('node', 'text')
    .execute();
  await db.schema
    .createIndex('check_transitions_by_check')
    .on('check_transitions')
    .columns(['check_id', 'at'])
    .execute();

  await db.schema
    .createTable('heartbeats')
    .addColumn('check_id', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_ping_at', ts)
    .addColumn('last_start_at', ts)
    .addColumn('last_fail_at', ts)
    .addColumn('pings', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('location', 'text')
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('seen_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nodes_seen').on('nodes').column('seen_at').execute();
}
