import Mustache from 'mustache';
import type { Notification } from '../types.js';
import { checkTemplate, messageView, renderNotification } from './templates.js';
import { webhookPayload } from './webhook-payload.js';

/**
 * A webhook body written by the user as a Mustache template, for receivers that want their own shape.
 * In a JSON body (a content type that names json) every `{{name}}` is escaped as the inside of a JSON
 * string, so `"{{title}}"` is safe whatever the title holds; `{{#json}}…{{/json}}` renders its inside
 * unescaped and writes it as one JSON string, quotes included; `{{{payload_json}}}` is the whole v1
 * payload and `{{{labels_json}}}` (per alert) its labels, as JSON. Other content types are not escaped.
 */
export function renderBody(template: string, n: Notification, contentType: string): string {
  const json = isJson(contentType);
  let raw = !json;
  // One escape function whose mode the json section flips while it renders its inside, so names inside
  // the section still resolve against every enclosing context (an alert inside {{#alerts}}).
  const escapeValue = (value: unknown) => (raw ? String(value) : JSON.stringify(String(value)).slice(1, -1));
  const base = messageView({
    deliveryId: n.deliveryId,
    stack: n.stack,
    alerts: n.alerts,
    createdAt: n.createdAt,
  });
  const view = {
    ...base,
    alerts: (base.alerts as Array<Record<string, unknown>>).map((a, i) => ({
      ...a,
      labels_json: JSON.stringify(n.alerts[i]?.labels ?? {}),
    })),
    title: n.title,
    text: n.text,
    payload_json: JSON.stringify(webhookPayload(n)),
    json: () => (inside: string, render: (text: string) => string) => {
      const was = raw;
      raw = true;
      try {
        return JSON.stringify(render(inside));
      } finally {
        raw = was;
      }
    },
  };
  return Mustache.render(template, view, undefined, { escape: escapeValue });
}

export function isJson(contentType: string): boolean {
  return /\bjson\b/i.test(contentType);
}

/** Notifications a body template is tried on when the file loads: one firing alert, and a digest. */
function samples(): Notification[] {
  const at = '2026-01-01T00:00:00.000Z';
  const alert = {
    id: 1,
    key: 'check:web.health',
    event: 'firing' as const,
    name: 'web.health unhealthy',
    origin: 'check' as const,
    severity: 'high',
    state: 'firing' as const,
    flapping: false,
    service: 'web',
    check: 'web.health',
    summary: 'status == 200 failed: got "503"\nretrying',
    labels: { service: 'web', check: 'health', severity: 'high', origin: 'check' },
    value: null,
    startedAt: at,
    firedAt: at,
  };
  const resolved = {
    ...alert,
    id: 2,
    key: 'rule:slow',
    event: 'resolved' as const,
    state: 'resolved' as const,
    value: 1.5,
    resolvedAt: at,
    firingSummary: alert.summary,
  };
  return [[alert], [alert, resolved]].map((alerts) =>
    renderNotification({
      deliveryId: '00000000-0000-4000-8000-000000000000',
      stack: 'stack',
      alerts,
      createdAt: at,
    }),
  );
}

/**
 * What is wrong with a body template, or undefined: its Mustache syntax, and for a JSON content type
 * whether it renders valid JSON for a single alert and for a digest (so a stray quote is found when the
 * file loads, not at the first alert).
 */
export function checkBodyTemplate(template: string, contentType: string): string | undefined {
  const syntax = checkTemplate(template);
  if (syntax) return syntax;
  if (!isJson(contentType)) return undefined;
  for (const n of samples()) {
    const body = renderBody(template, n, contentType);
    try {
      JSON.parse(body);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return `it does not render valid JSON (${why}) for ${n.alerts.length === 1 ? 'one alert' : 'a digest'}: put {{name}} inside quotes ("{{title}}"), or write {{#json}}{{title}}{{/json}}, or set content_type to what you send`;
    }
  }
  return undefined;
}
