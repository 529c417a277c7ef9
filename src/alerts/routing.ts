import { DEFAULTS } from '../config/defaults.js';
import type { StackConfig } from '../config/schema.js';
import { ownValue } from '../util/own.js';

/** The severities the file knows, most severe first: `incidents.severities` in file order, or the defaults. */
export function severitiesOf(config: StackConfig): string[] {
  const own = Object.keys(config.incidents?.severities ?? {});
  return own.length > 0 ? own : [...DEFAULTS.severities];
}

/** `preferred` when the file knows it; otherwise the most severe (for `high`) or the least (for `low`). */
export function severityOr(config: StackConfig, preferred: string, fallback: 'most' | 'least'): string {
  const known = severitiesOf(config);
  if (known.includes(preferred)) return preferred;
  return (fallback === 'most' ? known[0] : known.at(-1)) ?? preferred;
}

/**
 * Where an alert goes: the notifiers it names, else `alerting.notify`, else every notifier; less those
 * whose `severities` leave this severity out.
 */
export function routeTo(
  config: StackConfig,
  requested: readonly string[] | undefined,
  severity: string,
): string[] {
  const names = requested ?? config.alerting.notify ?? Object.keys(config.notifiers);
  return names.filter((n) => {
    const notifier = ownValue(config.notifiers, n);
    return notifier !== undefined && (!notifier.severities || notifier.severities.includes(severity));
  });
}

/** The grouping interval of one notifier. */
export function groupIntervalOf(config: StackConfig, notifier: string): number {
  return ownValue(config.notifiers, notifier)?.group_interval ?? config.alerting.group_interval;
}
