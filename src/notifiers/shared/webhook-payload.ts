import type { Notification, NotifiedAlert } from '../types.js';

/**
 * The webhook's wire format, version 1 (docs/webhook-payload.schema.json). It is built field by field
 * rather than by serialising `Notification`, so a field added inside Dayshift never reaches receivers
 * until it is added here, to the schema and to docs/notifiers.md. Within version 1 fields are only
 * added, never removed, renamed or retyped.
 */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/** One alert in the v1 payload. Optional fields are left out, never sent as null (but `value`). */
export interface WebhookAlertV1 {
  id: number;
  key: string;
  event: NotifiedAlert['event'];
  name: string;
  origin: NotifiedAlert['origin'];
  severity: string;
  state: NotifiedAlert['state'];
  flapping: boolean;
  service?: string;
  check?: string;
  rule?: string;
  summary: string;
  firingSummary?: string;
  description?: string;
  labels: Record<string, string>;
  value: number | string | null;
  startedAt: string;
  firedAt?: string;
  resolvedAt?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  remediation?: Array<{ runbook: string; runId: number | null; status: string; url: string | null }>;
}

export interface WebhookPayloadV1 {
  version: 1;
  deliveryId: string;
  stack: string;
  title: string;
  text: string;
  createdAt: string;
  alerts: WebhookAlertV1[];
}

function alertV1(a: NotifiedAlert): WebhookAlertV1 {
  const out: WebhookAlertV1 = {
    id: a.id,
    key: a.key,
    event: a.event,
    name: a.name,
    origin: a.origin,
    severity: a.severity,
    state: a.state,
    flapping: a.flapping,
    summary: a.summary,
    labels: { ...a.labels },
    value: a.value ?? null,
    startedAt: a.startedAt,
  };
  if (a.service !== undefined) out.service = a.service;
  if (a.check !== undefined) out.check = a.check;
  if (a.rule !== undefined) out.rule = a.rule;
  if (a.firingSummary !== undefined) out.firingSummary = a.firingSummary;
  if (a.description !== undefined) out.description = a.description;
  if (a.firedAt !== undefined) out.firedAt = a.firedAt;
  if (a.resolvedAt !== undefined) out.resolvedAt = a.resolvedAt;
  if (a.acknowledgedAt !== undefined) out.acknowledgedAt = a.acknowledgedAt;
  if (a.acknowledgedBy !== undefined) out.acknowledgedBy = a.acknowledgedBy;
  if (a.remediation !== undefined) out.remediation = a.remediation.map((r) => ({ ...r }));
  return out;
}

/** The v1 payload of a notification: what the webhook POSTs and the command notifier reads on stdin. */
export function webhookPayload(n: Notification): WebhookPayloadV1 {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    deliveryId: n.deliveryId,
    stack: n.stack,
    title: n.title,
    text: n.text,
    createdAt: n.createdAt,
    alerts: n.alerts.map(alertV1),
  };
}
