import Mustache from 'mustache';
import { human } from '../notifiers/shared/templates.js';
import type { Incident, IncidentEvent } from './types.js';

/**
 * Runbook 002's communication template, the default of `incidents.template`: the service and the
 * title, status, severity, impact, ETA, then each public update with its time.
 */
export const DEFAULT_INCIDENT_TEMPLATE = [
  '🚨 INCIDENT: {{service}} - {{title}}',
  '',
  'Status: {{status}}',
  'Severity: {{severity_upper}}',
  'Impact: {{impact}}',
  'ETA: {{eta}}',
  '',
  'Updates:',
  '{{#updates}}',
  '- [{{time}}] {{text}}',
  '{{/updates}}',
].join('\n');

/** The events a communication shows as updates: what is public (opened, status changes, updates, resolved). */
export function publicUpdates(timeline: readonly IncidentEvent[]): IncidentEvent[] {
  return timeline.filter((e) => e.public && e.text);
}

/**
 * The view a communication template renders over (docs/incidents.md lists it): the incident's fields,
 * upper-cased status and severity as runbook 002 writes them, and its public updates, oldest first.
 */
export function incidentView(
  incident: Incident,
  timeline: readonly IncidentEvent[],
): Record<string, unknown> {
  return {
    id: incident.id,
    title: incident.title,
    service: incident.services.length > 0 ? incident.services.join(', ') : 'all services',
    services: incident.services,
    severity: incident.severity,
    severity_upper: incident.severity.toUpperCase(),
    status: incident.status.toUpperCase(),
    status_lower: incident.status,
    impact: incident.impact ?? 'unknown',
    eta: incident.eta ?? 'unknown',
    opened: human(new Date(incident.openedAt).toISOString()),
    acknowledged_by: incident.acknowledgedBy ?? undefined,
    assignee: incident.assignee ?? undefined,
    resolved: incident.resolvedAt === null ? undefined : human(new Date(incident.resolvedAt).toISOString()),
    updates: publicUpdates(timeline).map((e) => ({
      time: human(new Date(e.at).toISOString()),
      text: e.text,
      by: e.actor,
      type: e.type,
    })),
  };
}

/** Renders the communication template (the file's, or runbook 002's) as plain text. */
export function renderIncident(
  incident: Incident,
  timeline: readonly IncidentEvent[],
  template: string = DEFAULT_INCIDENT_TEMPLATE,
): string {
  return Mustache.render(template, incidentView(incident, timeline), undefined, {
    escape: (s: string) => String(s),
  }).trim();
}
