import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { toAlert } from './alert-store.js';
import type { AlertRecord } from './types.js';

export interface AlertListFilter {
  /** Only these states; open (pending and firing) and recent resolved alike when omitted. */
  states?: AlertRecord['state'][];
  limit?: number;
  beforeId?: number;
}

/** Newest first. */
export async function listAlerts(db: Kysely<Database>, filter: AlertListFilter = {}): Promise<AlertRecord[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (filter.states?.length) query = query.where('state', 'in', filter.states);
  if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(Math.min(filter.limit ?? 100, 1_000))
    .execute();
  return rows.map(toAlert);
}

export interface AlertTimelineEntry {
  at: number;
  type: string;
  detail: string | null;
}

export interface NotificationRecord {
  id: number;
  notifier: string;
  event: string;
  status: string;
  suppressedBy: string | null;
  createdAt: number;
  delivery: DeliveryRecord | null;
}

/** One delivery as `alerts show` and the API give it. */
export interface DeliveryRecord {
  id: string;
  /** `sending` (being sent or waiting for a retry), `sent`, `failed`. */
  status: string;
  /** Attempts made so far; for a sent delivery, the attempt that delivered it. */
  attempts: number;
  alerts: number;
  sentAt: number | null;
  /** The error that stands now: the last attempt's while it retries or once it failed; null once sent. */
  lastError: string | null;
  /** For a delivery sent after retries, the error of the attempt before the one that delivered it. */
  earlierError: string | null;
  /** One line: `delivered on attempt 5`, `attempt 2 failed, retrying: …`, `failed after 10 attempts: …`. */
  outcome: string;
  receiptStatus: number | null;
  receiptDetail: string | null;
}

/**
 * What a delivery row means now. The row keeps the last failed attempt's error after a retry succeeds;
 * shown as it is, that error would read as the delivery's state, so a sent delivery moves it aside.
 */
export function deliveryRecord(row: Omit<DeliveryRecord, 'earlierError' | 'outcome'>): DeliveryRecord {
  const sent = row.status === 'sent';
  const n = row.attempts;
  const outcome = sent
    ? `delivered on attempt ${n}`
    : row.status === 'failed'
      ? `failed after ${n} attempt${n === 1 ? '' : 's'}${row.lastError ? `: ${row.lastError}` : ''}`
      : row.lastError
        ? `attempt ${n} failed, retrying: ${row.lastError}`
        : `sending (attempt ${n})`;
  return {
    ...row,
    lastError: sent ? null : row.lastError,
    earlierError: sent && n > 1 ? row.lastError : null,
    outcome,
  };
}

export interface AlertDetail {
  alert: AlertRecord;
  timeline: AlertTimelineEntry[];
  notifications: NotificationRecord[];
}

/** One alert with its timeline and every notification about it, with the delivery that carried it. */
export async function alertDetail(db: Kysely<Database>, id: number): Promise<AlertDetail | undefined> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [events, notes] = await Promise.all([
    db.selectFrom('alert_events').selectAll().where('alert_id', '=', id).orderBy('id').execute(),
    db
      .selectFrom('notifications')
      .leftJoin('deliveries', 'deliveries.id', 'notifications.delivery_id')
      .select([
        'notifications.id as id',
        'notifications.notifier as notifier',
        'notifications.event as event',
        'notifications.status as status',
        'notifications.suppressed_by as suppressed_by',
        'notifications.created_at as created_at',
        'deliveries.id as delivery_id',
        'deliveries.status as delivery_status',
        'deliveries.attempts as attempts',
        'deliveries.alerts as alerts',
        'deliveries.sent_at as sent_at',
        'deliveries.last_error as last_error',
        'deliveries.receipt_status as receipt_status',
        'deliveries.receipt_detail as receipt_detail',
      ])
      .where('notifications.alert_id', '=', id)
      .orderBy('notifications.id')
      .execute(),
  ]);
  return {
    alert: toAlert(row),
    timeline: events.map((e) => ({ at: Number(e.at), type: e.type, detail: e.detail })),
    notifications: notes.map((n) => ({
      id: Number(n.id),
      notifier: n.notifier,
      event: n.event,
      status: n.status,
      suppressedBy: n.suppressed_by,
      createdAt: Number(n.created_at),
      delivery: n.delivery_id
        ? deliveryRecord({
            id: n.delivery_id,
            status: n.delivery_status ?? 'unknown',
            attempts: Number(n.attempts ?? 0),
            alerts: Number(n.alerts ?? 0),
            sentAt: n.sent_at === null ? null : Number(n.sent_at),
            lastError: n.last_error,
            receiptStatus: n.receipt_status === null ? null : Number(n.receipt_status),
            receiptDetail: n.receipt_detail,
          })
        : null,
    })),
  };
}
