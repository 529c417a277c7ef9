import type { AlertEvent, NotifiedAlert } from '../notifiers/types.js';
import type { AlertRecord } from './types.js';

const iso = (at: number | null) => (at === null ? undefined : new Date(at).toISOString());

/** An alert as a notification carries it: plain data with ISO times and no store internals. */
export function notifiedAlert(alert: AlertRecord, event: AlertEvent): NotifiedAlert {
  const out: NotifiedAlert = {
    id: alert.id,
    key: alert.key,
    event,
    name: alert.name,
    origin: alert.origin,
    severity: alert.severity,
    state: alert.state,
    flapping: alert.flapping,
    summary: alert.summary,
    labels: alert.labels,
    value: alert.value,
    startedAt: new Date(alert.startedAt).toISOString(),
  };
  if (alert.service) out.service = alert.service;
  if (alert.checkId) out.check = alert.checkId;
  if (alert.rule) out.rule = alert.rule;
  const fired = iso(alert.firedAt);
  if (fired) out.firedAt = fired;
  const resolved = iso(alert.resolvedAt);
  if (resolved) out.resolvedAt = resolved;
  const acked = iso(alert.ackedAt);
  if (acked) out.acknowledgedAt = acked;
  if (alert.ackedBy) out.acknowledgedBy = alert.ackedBy;
  return out;
}
