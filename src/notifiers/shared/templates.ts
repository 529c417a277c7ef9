import Mustache from 'mustache';
import type { AlertEvent, Notification, NotifiedAlert } from '../types.js';

/**
 * Messages are Mustache templates over a view of the alerts (docs/notifiers.md lists the fields).
 * Title and text are rendered without HTML escaping; the HTML part with it.
 */
export interface MessageTemplate {
  title?: string;
  text?: string;
  html?: string;
}

const EVENT_LABEL: Record<AlertEvent, string> = {
  firing: 'FIRING',
  reminder: 'STILL FIRING',
  acknowledged: 'ACKNOWLEDGED',
  resolved: 'RESOLVED',
  test: 'TEST',
  message: 'MESSAGE',
  escalated: 'ESCALATED',
};

export const DEFAULT_TEMPLATE: Required<MessageTemplate> = {
  title:
    '{{#single}}{{#alert}}[{{event_label}}] {{name}} ({{severity}}){{/alert}}{{/single}}{{#digest}}{{stack}}: {{counts_line}}{{/digest}}',
  text: [
    '{{#alerts}}',
    '[{{event_label}}] {{name}} ({{severity}}): {{summary}}',
    '{{#single}}',
    '  since {{started_human}}{{#acknowledgedBy}}, acknowledged by {{acknowledgedBy}}{{/acknowledgedBy}}{{#resolved_human}}, resolved {{resolved_human}}{{/resolved_human}}',
    '{{/single}}',
    '{{#remediation}}',
    '  runbook {{runbook}}: {{#runId}}run {{runId}} {{status}} (dayshift run show {{runId}}){{/runId}}{{^runId}}{{status}}{{/runId}}',
    '{{/remediation}}',
    '{{/alerts}}',
  ].join('\n'),
  html: [
    '<p><strong>{{title}}</strong></p>',
    '<ul>',
    '{{#alerts}}',
    '<li><strong>[{{event_label}}] {{name}}</strong> ({{severity}}): {{summary}}<br><small>since {{started_human}}{{#acknowledgedBy}}, acknowledged by {{acknowledgedBy}}{{/acknowledgedBy}}</small>{{#remediation}}<br><small>runbook {{runbook}}: {{#runId}}run {{runId}} {{status}}{{/runId}}{{^runId}}{{status}}{{/runId}}</small>{{/remediation}}</li>',
    '{{/alerts}}',
    '</ul>',
    '<p><small>{{stack}} · delivery {{deliveryId}}</small></p>',
  ].join('\n'),
};

/** `2026-11-20 10:00:00 UTC` from an ISO-8601 time. */
export function human(iso: string | undefined): string | undefined {
  return iso
    ? iso
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
        .replace(/Z$/, ' UTC')
    : undefined;
}

/** One alert as the templates see it: its fields plus ready-made labels and times. */
export function alertView(alert: NotifiedAlert, single: boolean): Record<string, unknown> {
  return {
    ...alert,
    single,
    event_label: alert.flapping && alert.event === 'firing' ? 'FLAPPING' : EVENT_LABEL[alert.event],
    severity_upper: alert.severity.toUpperCase(),
    started_human: human(alert.startedAt),
    fired_human: human(alert.firedAt),
    resolved_human: human(alert.resolvedAt),
    labels_list: Object.entries(alert.labels).map(([name, value]) => ({ name, value })),
    value: alert.value ?? undefined,
  };
}

function countsLine(alerts: readonly NotifiedAlert[]): string {
  const counts = new Map<string, number>();
  for (const a of alerts) {
    const label = a.event === 'reminder' ? 'still firing' : a.event;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([event, n]) => `${n} ${event}`).join(', ');
}

/** What a notification is made from, before its messages are rendered. */
export interface NotificationInput {
  deliveryId: string;
  stack: string;
  alerts: NotifiedAlert[];
  createdAt: string;
}

/** The view every message template renders over (docs/notifiers.md#templates lists it). */
export function messageView(input: NotificationInput): Record<string, unknown> {
  const single = input.alerts.length === 1;
  const views = input.alerts.map((a, i) => ({
    ...alertView(a, single),
    first: i === 0,
    last: i === input.alerts.length - 1,
  }));
  return {
    stack: input.stack,
    deliveryId: input.deliveryId,
    createdAt: input.createdAt,
    single,
    digest: !single,
    count: input.alerts.length,
    counts_line: countsLine(input.alerts),
    alert: views[0],
    alerts: views,
  };
}

/** Renders a notification's title, text and HTML from the templates (the defaults where not given). */
export function renderNotification(input: NotificationInput, template: MessageTemplate = {}): Notification {
  const view = messageView(input);
  const plain = (text: string) =>
    Mustache.render(text, view, undefined, { escape: (s: string) => String(s) });
  const title = plain(template.title ?? DEFAULT_TEMPLATE.title).trim();
  const text = plain(template.text ?? DEFAULT_TEMPLATE.text).trim();
  const html = Mustache.render(template.html ?? DEFAULT_TEMPLATE.html, { ...view, title }).trim();
  return {
    deliveryId: input.deliveryId,
    stack: input.stack,
    alerts: input.alerts,
    title,
    text,
    html,
    createdAt: input.createdAt,
  };
}

/** The error in a template's syntax, or undefined when it parses. */
export function checkTemplate(text: string): string | undefined {
  try {
    const renamed = namesIn(Mustache.parse(text)).find((n) => n === 'source' || n.endsWith('.source'));
    // An alert's origin was once `source`; a template still naming it would render nothing there.
    if (renamed)
      return `{{${renamed}}} names the alert's old field source, which is now origin: write {{${renamed.replace(/source$/, 'origin')}}}`;
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Mustache names a character offset; a template is often a block of several lines in the YAML.
    return message.replace(
      / at (\d+)$/,
      (_, at: string) => ` at ${positionIn(text, Number(at))} of the template`,
    );
  }
}

/** `line 2, column 7` of a character offset in a text. */
function positionIn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** Every name a parsed template reads (variables and sections), nested sections included. */
function namesIn(tokens: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const token of tokens as Array<[string, string, number, number, unknown[]?]>) {
    const [type, value, , , inner] = token;
    if (type === 'name' || type === '&' || type === '#' || type === '^') out.push(value);
    if (Array.isArray(inner)) out.push(...namesIn(inner));
  }
  return out;
}
