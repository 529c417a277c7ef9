import { createHash } from 'node:crypto';
import type { Notification, NotifiedAlert } from '../types.js';

/**
 * Alertmanager's webhook message (its `webhook_config` receiver, message version 4), so receivers
 * written for Alertmanager take Dayshift's notifications unchanged. Built field by field from the
 * notification, like the v1 payload.
 */
export interface AlertmanagerMessage {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Go's zero time.Time, which Alertmanager sends as `endsAt` while an alert fires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function labelsOf(alert: NotifiedAlert, stack: string): Record<string, string> {
  // alertname is the label Alertmanager's receivers and templates key on.
  return { ...alert.labels, alertname: alert.name, stack, severity: alert.severity, origin: alert.origin };
}

function annotationsOf(alert: NotifiedAlert): Record<string, string> {
  const out: Record<string, string> = { summary: alert.summary };
  if (alert.description !== undefined) out.description = alert.description;
  if (alert.firingSummary !== undefined) out.firing_summary = alert.firingSummary;
  return out;
}

/** The pairs every map shares with the same value. */
function common(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * The message for one delivery. `receiver` is the notifier's name; `externalURL` the configured
 * `external_url` or an empty string, and each alert's `generatorURL` points at the alert in Dayshift's
 * API under it (empty without one). An acknowledgement or reminder is `firing`: Alertmanager has no
 * such events.
 */
export function alertmanagerMessage(
  n: Notification,
  options: { receiver: string; externalUrl?: string },
): AlertmanagerMessage {
  const base = options.externalUrl ? trimSlash(options.externalUrl) : '';
  const alerts = n.alerts.map((a): AlertmanagerAlert => {
    const resolved = a.event === 'resolved';
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: labelsOf(a, n.stack),
      annotations: annotationsOf(a),
      startsAt: a.firedAt ?? a.startedAt,
      endsAt: resolved ? (a.resolvedAt ?? n.createdAt) : GO_ZERO_TIME,
      generatorURL: base ? `${base}/api/v1/alerts/${a.id}` : '',
      // Alertmanager's fingerprint identifies an alert's label set; the key plays that part here.
      fingerprint: createHash('sha256').update(a.key).digest('hex').slice(0, 16),
    };
  });
  const groupLabels = { stack: n.stack };
  return {
    version: '4',
    groupKey: `{}:{stack=${JSON.stringify(n.stack)}}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: options.receiver,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: base,
    alerts,
  };
}
