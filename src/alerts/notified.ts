import type { AlertEvent, NotifiedAlert } from '../notifiers/types.js';
import { defaultRecovery } from './recovery.js';
import type { AlertRecord } from './types.js';

const iso = (at: number | null) => (at === null ? undefined : new Date(at).toISOString());

/**
 * An alert as a notification carries it: plain data with ISO times and no store internals. A resolve
 * says what recovered (`recovery`, recorded when it resolved) and keeps the firing summary beside it.
 */
export function notifiedAlert(alert: AlertRecord, event: AlertEvent, recovery?: string): NotifiedAlert {
  const out: NotifiedAlert = {
    id: alert.id,
    key: alert.key,
    event,
    name: alert.name,
    origin: alert.origin,
    severity: alert.severity,
    state: alert.state,
    flapping: alert.flapping,
    summary:
      event === 'resolved'
        ? (recovery ?? defaultRecovery(alert, alert.resolvedAt ?? alert.updatedAt))
        : alert.summary,
    labels: alert.labels,
    value: alert.value,
    startedAt: new Date(alert.startedAt).toISOString(),
  };
  if (event === 'resolved') out.firingSummary = alert.summary;
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
  if (alert.remediation.length > 0)
    out.remediation = alert.remediation.map((r) => ({
      ...r,
      url: r.runId === null ? null : `/api/v1/runs/${r.runId}`,
    }));
  return out;
}
