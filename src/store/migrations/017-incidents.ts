import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Incidents: the incident itself (severity, state, who acknowledged and who owns it, where its
 * escalation stands), its timeline as an append-only stream of events, the alerts attached to it, and
 * the dated overrides of on-call rotations. Deadlines are jobs on the durable queue, not rows here.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  const ref = ts === 'bigint' ? 'bigint' : 'integer';
  await caps
    .addIdColumn(db.schema.createTable('incidents'), 'id')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    /** 'investigating' | 'identified' | 'monitoring' | 'resolved' */
    .addColumn('status', 'text', (c) => c.notNull())
    /** JSON array of service names. */
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('impact', 'text')
    .addColumn('eta', 'text')
    .addColumn('opened_at', ts, (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', ts)
    .addColumn('acknowledged_by', 'text')
    .addColumn('assignee', 'text')
    .addColumn('resolved_at', ts)
    .addColumn('resolved_by', 'text')
    /** When the last public update was posted (or the incident opened): `update_every` counts from it. */
    .addColumn('last_update_at', ts, (c) => c.notNull())
    /** JSON `{ step, round }`: the next escalation step and how many times the chain has restarted. */
    .addColumn('escalation', 'text', (c) => c.notNull())
    /** Bumped by every change, so a writer that read an older state changes nothing. */
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('incidents_by_status').on('incidents').columns(['status', 'id']).execute();

  await caps
    .addIdColumn(db.schema.createTable('incident_events'), 'id')
    .addColumn('incident_id', ref, (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    /** 1 when the event appears on the status page (opened, status changes, public updates, resolved). */
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('text', 'text')
    /** JSON object: what the event refers to (alert, run, release, deadline, targets). */
    .addColumn('data', 'text')
    /** An event that must be written once (an alert's firing, a run, a deadline) carries a key. */
    .addColumn('key', 'text')
    .execute();
  await db.schema
    .createIndex('incident_events_by_incident')
    .on('incident_events')
    .columns(['incident_id', 'id'])
    .execute();
  await db.schema
    .createIndex('incident_events_once')
    .on('incident_events')
    .columns(['incident_id', 'key'])
    .unique()
    .execute();
  // Metrics count missed deadlines and reports read escalations by type, across incidents.
  await db.schema
    .createIndex('incident_events_by_type')
    .on('incident_events')
    .columns(['type', 'incident_id'])
    .execute();
  await caps.refuseChanges(db, 'incident_events');

  await db.schema
    .createTable('incident_alerts')
    .addColumn('alert_id', ref, (c) => c.primaryKey())
    .addColumn('incident_id', ref, (c) => c.notNull())
    .addColumn('attached_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_alerts_by_incident')
    .on('incident_alerts')
    .columns(['incident_id'])
    .execute();

  await caps
    .addIdColumn(db.schema.createTable('oncall_overrides'), 'id')
    .addColumn('rotation', 'text', (c) => c.notNull())
    .addColumn('person', 'text', (c) => c.notNull())
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts, (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oncall_overrides_by_rotation')
    .on('oncall_overrides')
    .columns(['rotation', 'starts_at'])
    .execute();
}
