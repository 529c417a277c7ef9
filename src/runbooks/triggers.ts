import type { RunbookTrigger } from '../config/sections/runbooks.js';

/** An alert as a runbook's `on: { alert }` matches it: its key and its labels (name, severity, origin...). */
export interface FiringAlert {
  id: number;
  key: string;
  labels: Readonly<Record<string, string>>;
}

/** A key pattern: `*` matches any text, everything else itself (`check:worker.*`). */
function keyPattern(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** Whether an `on: { alert }` trigger matches a firing alert. */
export function alertMatches(trigger: RunbookTrigger, alert: FiringAlert): boolean {
  if (!('alert' in trigger)) return false;
  const on = trigger.alert;
  if (typeof on === 'string') return keyPattern(on).test(alert.key);
  return Object.entries(on.labels).every(([name, value]) => alert.labels[name] === value);
}
