import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Alerts and their notifications. An alert is open (pending or firing) until it resolves; `open_key`
 * holds its key while it is open and null afterwards, so a unique index allows one open alert per key
 * and any number of resolved ones. Every notification is a row in the outbox before it is sent, and
 * each send is a delivery whose id travels with the message so a receiver can drop a repeat.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  const ref = ts === 'bigint' ? 'bigint' : 'integer';
  await caps
    .addIdColumn(db.schema.createTable('alerts'), 'id')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('open_key', 'text', (c) => c.unique())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('check_id', 'text')
    .addColumn('rule', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('notify', 'text', (c) => c.notNull())
    .addColumn('repeat_ms', ref, (c) => c.notNull())
    .addColumn('flapping', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('fired_at', ts)
    .addColumn('resolved_at', ts)
    .addColumn('acked_at', ts)
    .addColumn('acked_by', 'text')
    /** When a firing notification last went out (or was due but suppressed): the base of reminders. */
    .addColumn('notified_at', ts)
    /** 1 once a firing notification was sent to someone, so a resolve is only told to those who heard. */
    .addColumn('announced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_by_state').on('alerts').columns(['state', 'id']).execute();
  await db.schema.createIndex('alerts_by_key').on('alerts').columns(['key', 'id']).execute();

  await caps
    .addIdColumn(db.schema.createTable('alert_events'), 'id')
    .addColumn('alert_id', ref, (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('alert_events_by_alert')
    .on('alert_events')
    .columns(['alert_id', 'id'])
    .execute();

  await caps
    .addIdColumn(db.schema.createTable('notifications'), 'id')
    .addColumn('alert_id', ref, (c) => c.notNull())
    .addColumn('notifier', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    /** `<alert id>:<alert version>:<notifier>`: a transition notifies each notifier once, whoever records it. */
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    /** pending → claimed (in a delivery) → sent | failed; or suppressed (silence, maintenance, flapping). */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('suppressed_by', 'text')
    .addColumn('delivery_id', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notifications_by_status')
    .on('notifications')
    .columns(['status', 'notifier', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_by_alert')
    .on('notifications')
    .columns(['alert_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_by_delivery')
    .on('notifications')
    .column('delivery_id')
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('notifier', 'text', (c) => c.notNull())
    /** sending → sent | failed. A delivery still `sending` after a crash is sent again with the same id. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('alerts', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('sent_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('receipt_status', 'integer')
    .addColumn('receipt_detail', 'text')
    .execute();
  await db.schema
    .createIndex('deliveries_by_notifier')
    .on('deliveries')
    .columns(['notifier', 'created_at'])
    .execute();

  await caps
    .addIdColumn(db.schema.createTable('silences'), 'id')
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();

  await caps
    .addIdColumn(db.schema.createTable('maintenance_windows'), 'id')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts, (c) => c.notNull())
    .addColumn('services', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();

  await db.schema.createIndex('check_transitions_by_time').on('check_transitions').column('at').execute();
  await db.schema.createIndex('check_states_by_state').on('check_states').column('state').execute();
}
