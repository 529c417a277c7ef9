import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AlertsTable, Database } from '../store/schema.js';
import { checkText } from '../util/input-bounds.js';
import type { AlertStep } from './lifecycle.js';
import type { AlertRecord, AlertRemediation, DesiredAlert, NotificationEvent } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

export function toAlert(row: Selectable<AlertsTable>): AlertRecord {
  return {
    id: Number(row.id),
    key: row.key,
    state: row.state as AlertRecord['state'],
    origin: row.origin as AlertRecord['origin'],
    name: row.name,
    severity: row.severity,
    service: row.service,
    checkId: row.check_id,
    rule: row.rule,
    summary: row.summary,
    value: row.value,
    labels: JSON.parse(row.labels) as Record<string, string>,
    notify: JSON.parse(row.notify) as string[],
    repeatMs: Number(row.repeat_ms),
    flapping: Number(row.flapping) === 1,
    startedAt: Number(row.started_at),
    firedAt: num(row.fired_at),
    resolvedAt: num(row.resolved_at),
    ackedAt: num(row.acked_at),
    ackedBy: row.acked_by,
    notifiedAt: num(row.notified_at),
    announced: Number(row.announced) === 1,
    version: Number(row.version),
    updatedAt: Number(row.updated_at),
    remediation: row.remediation ? (JSON.parse(row.remediation) as AlertRemediation[]) : [],
  };
}

function num(value: number | null): number | null {
  return value === null ? null : Number(value);
}

export async function openAlerts(db: Db, keyPrefixes?: readonly string[]): Promise<AlertRecord[]> {
  let query = db.selectFrom('alerts').selectAll().where('open_key', 'is not', null);
  if (keyPrefixes)
    query = query.where((eb) =>
      eb.or(keyPrefixes.map((p) => eb('key', 'like', `${p.replace(/[%_]/g, '')}%`))),
    );
  const rows = await query.orderBy('id').execute();
  return rows.map(toAlert);
}

export async function alertById(db: Db, id: number): Promise<AlertRecord | undefined> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

/** A notification to queue for an alert event; `suppressedBy` records it without sending it. */
export interface Outgoing {
  event: NotificationEvent;
  notifiers: readonly string[];
  suppressedBy?: string;
}

/**
 * Applies one lifecycle step as one transaction: the alert row changes only if nobody changed it since
 * it was read (its version), and only then are its event and notifications written. Two nodes applying
 * the same step therefore record it, and notify, once. Returns the alert as written, or undefined when
 * another node got there first.
 */
export async function applyStep(
  db: Kysely<Database>,
  step: AlertStep,
  open: AlertRecord | undefined,
  desired: DesiredAlert | undefined,
  now: number,
  suppressedBy: string | undefined,
): Promise<AlertRecord | undefined> {
  if (step.kind === 'none') return open;
  return db.transaction().execute(async (trx) => {
    if (step.kind === 'open') {
      if (!desired) return undefined;
      return openAlert(trx, desired, step.state, now, suppressedBy);
    }
    if (!open) return undefined;
    const notifiers = desired?.notify ?? open.notify;
    const quiet = notifiers.length === 0;
    const told = !suppressedBy && !quiet;
    switch (step.kind) {
      case 'fire':
      case 'announce':
      case 'flapping': {
        const changed = await update(trx, open, now, {
          state: 'firing',
          fired_at: open.firedAt ?? now,
          flapping: step.kind === 'flapping' || desired?.flapping ? 1 : open.flapping ? 1 : 0,
          announced: told || quiet || open.announced ? 1 : 0,
          notified_at: told ? now : open.notifiedAt,
          summary: desired?.summary ?? open.summary,
          value: valueText(desired?.value) ?? open.value,
        });
        if (!changed) return undefined;
        const event = step.kind === 'fire' ? 'firing' : step.kind;
        await addEvent(trx, open.id, now, event, desired?.summary ?? open.summary);
        // Announcing again what was already told (a flapping alert that was firing) is still worth one message.
        await queue(trx, changed, now, { event: 'firing', notifiers, suppressedBy });
        if (suppressedBy) await addEvent(trx, open.id, now, 'suppressed', suppressedBy);
        return changed;
      }
      case 'remind': {
        const changed = await update(trx, open, now, { notified_at: now });
        if (!changed) return undefined;
        await addEvent(trx, open.id, now, 'reminder', null);
        await queue(trx, changed, now, { event: 'reminder', notifiers });
        return changed;
      }
      case 'steady': {
        const changed = await update(trx, open, now, { flapping: 0 });
        if (changed) await addEvent(trx, open.id, now, 'steady', 'the check stopped flapping');
        return changed;
      }
      case 'drop':
      case 'resolve': {
        const changed = await update(trx, open, now, { state: 'resolved', open_key: null, resolved_at: now });
        if (!changed) return undefined;
        await addEvent(
          trx,
          open.id,
          now,
          step.kind === 'drop' ? 'dropped' : 'resolved',
          step.kind === 'resolve' ? (step.recovery ?? null) : null,
        );
        if (step.kind === 'resolve' && open.announced)
          await queue(trx, changed, now, { event: 'resolved', notifiers: open.notify, suppressedBy });
        return changed;
      }
    }
  });
}

/** Records the runbooks started for an alert that just fired, with an event on its timeline. */
export async function recordRemediation(
  db: Kysely<Database>,
  alert: AlertRecord,
  remediation: readonly AlertRemediation[],
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('alerts')
      .set({
        remediation: JSON.stringify(remediation),
        updated_at: now,
        version: (eb) => eb('version', '+', 1),
      })
      .where('id', '=', alert.id)
      .execute();
    for (const r of remediation)
      await addEvent(
        trx,
        alert.id,
        now,
        'remediation',
        r.runId === null
          ? `runbook ${r.runbook} not started: ${r.status}`
          : `runbook ${r.runbook} started: run ${r.runId}`,
      );
  });
}

/**
 * Records how the runs started for an alert ended. When one failed (or was cancelled) while the alert
 * still fires, the alert is escalated: an `escalated` notification to its notifiers says the
 * remediation did not work, so a failed runbook never hides the alert.
 */
export async function settleRemediation(
  db: Kysely<Database>,
  alert: AlertRecord,
  remediation: readonly AlertRemediation[],
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const changed = await update(trx, alert, now, { remediation: JSON.stringify(remediation) });
    if (!changed) return false;
    const ended = remediation.filter((r, i) => r.status !== alert.remediation[i]?.status);
    for (const r of ended)
      await addEvent(trx, alert.id, now, 'remediation', `runbook ${r.runbook}: run ${r.runId} ${r.status}`);
    const failed = ended.filter((r) => r.status === 'failed' || r.status === 'cancelled');
    if (failed.length > 0 && changed.state === 'firing') {
      await addEvent(
        trx,
        alert.id,
        now,
        'escalated',
        failed.map((r) => `run ${r.runId} of ${r.runbook} ${r.status}`).join('; '),
      );
      await queue(trx, changed, now, { event: 'escalated', notifiers: changed.notify });
    }
    return true;
  });
}

/** Opens an alert unless one is already open under its key; returns it, or undefined when it was. */
export async function openAlert(
  trx: Transaction<Database>,
  desired: DesiredAlert,
  state: 'pending' | 'firing',
  now: number,
  suppressedBy: string | undefined,
): Promise<AlertRecord | undefined> {
  const firing = state === 'firing';
  const told = firing && !suppressedBy && desired.notify.length > 0;
  const row = await trx
    .insertInto('alerts')
    .values({
      key: desired.key,
      open_key: desired.key,
      state,
      origin: desired.origin,
      name: desired.name,
      severity: desired.severity,
      service: desired.service ?? null,
      check_id: desired.checkId ?? null,
      rule: desired.rule ?? null,
      summary: desired.summary,
      value: valueText(desired.value),
      labels: JSON.stringify(desired.labels),
      notify: JSON.stringify(desired.notify),
      repeat_ms: desired.repeatMs,
      flapping: desired.flapping ? 1 : 0,
      started_at: Math.min(desired.since ?? now, now),
      fired_at: firing ? now : null,
      notified_at: told ? now : null,
      announced: told || (firing && desired.notify.length === 0) ? 1 : 0,
      version: 0,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('open_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  const alert = toAlert(row);
  await addEvent(trx, alert.id, now, state, desired.summary);
  if (firing) {
    if (desired.flapping) await addEvent(trx, alert.id, now, 'flapping', null);
    await queue(trx, alert, now, { event: 'firing', notifiers: desired.notify, suppressedBy });
    if (suppressedBy) await addEvent(trx, alert.id, now, 'suppressed', suppressedBy);
  }
  return alert;
}

/** Conditional update on the version read; the changed alert, or undefined when someone else changed it. */
async function update(
  trx: Transaction<Database>,
  open: AlertRecord,
  now: number,
  set: Partial<Omit<Selectable<AlertsTable>, 'id' | 'version'>>,
): Promise<AlertRecord | undefined> {
  const row = await trx
    .updateTable('alerts')
    .set({ ...set, version: open.version + 1, updated_at: now })
    .where('id', '=', open.id)
    .where('version', '=', open.version)
    .returningAll()
    .executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

export async function addEvent(
  db: Db,
  alertId: number,
  at: number,
  type: string,
  detail: string | null,
): Promise<void> {
  await db.insertInto('alert_events').values({ alert_id: alertId, at, type, detail }).execute();
}

/**
 * Writes the alert's notifications into the outbox. The dedup key ties each one to the alert's version,
 * so recording the same change twice cannot notify twice.
 */
export async function queue(db: Db, alert: AlertRecord, now: number, out: Outgoing): Promise<void> {
  if (out.notifiers.length === 0) return;
  await db
    .insertInto('notifications')
    .values(
      out.notifiers.map((notifier) => ({
        alert_id: alert.id,
        notifier,
        event: out.event,
        dedup_key: `${alert.id}:${alert.version}:${notifier}`,
        status: out.suppressedBy ? 'suppressed' : 'pending',
        suppressed_by: out.suppressedBy ?? null,
        delivery_id: null,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .execute();
}

/** What recovered, by alert id: the detail of each alert's resolved event, where it has one. */
export async function recoveries(db: Db, alertIds: readonly number[]): Promise<Map<number, string>> {
  if (alertIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('alert_events')
    .select(['alert_id', 'detail'])
    .where('type', '=', 'resolved')
    .where('alert_id', 'in', [...new Set(alertIds)])
    .where('detail', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [Number(r.alert_id), r.detail as string]));
}

/** Acknowledges an open alert: reminders stop; whoever was told hears who took it. */
export async function acknowledge(
  db: Kysely<Database>,
  id: number,
  by: string,
  now: number,
  comment?: string,
): Promise<AlertRecord | 'not-open' | undefined> {
  if (comment !== undefined) checkText(comment, 'the comment');
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const open = toAlert(row);
    if (open.state === 'resolved') return 'not-open';
    if (open.ackedAt !== null) return open;
    const changed = await update(trx, open, now, { acked_at: now, acked_by: by });
    if (!changed) return 'not-open';
    await addEvent(trx, id, now, 'acknowledged', comment ? `${by}: ${comment}` : by);
    if (open.announced) await queue(trx, changed, now, { event: 'acknowledged', notifiers: open.notify });
    return changed;
  });
}

function valueText(value: DesiredAlert['value']): string | null {
  if (value === undefined || value === null) return null;
  return String(value);
}
