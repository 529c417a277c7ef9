import type { StackConfig } from '../config/schema.js';
import { knownPolicy } from './policy.js';

/** An alert as incidents see it: enough to open, name and attach. */
export interface AlertSignal {
  id: number;
  key: string;
  name: string;
  severity: string;
  service: string | null;
  summary: string;
  labels: Readonly<Record<string, string>>;
}

/** Whether `incidents.open_on` matches the alert: one entry whose every key matches. */
export function opensIncident(config: StackConfig, alert: AlertSignal): boolean {
  return (config.incidents?.open_on ?? []).some((match) => {
    if (match.severity !== undefined) {
      const wanted = typeof match.severity === 'string' ? [match.severity] : match.severity;
      if (!wanted.includes(alert.severity)) return false;
    }
    for (const [label, value] of Object.entries(match.labels ?? {}))
      if (alert.labels[label] !== value) return false;
    return true;
  });
}

/** The severity of the incident an alert opens: the alert's when incidents know it, else the least severe. */
export function incidentSeverityOf(config: StackConfig, alertSeverity: string): string {
  if (knownPolicy(config, alertSeverity)) return alertSeverity;
  return Object.keys(config.incidents?.severities ?? {}).at(-1) ?? 'low';
}
