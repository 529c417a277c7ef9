import type { CheckState } from '../monitor/state-machine.js';

/**
 * A component's state on the status page: Cachet's scale, plus the two a page that watches itself
 * needs. `stale` (its checks stopped reporting) and `unknown` (no check, or none has a verdict yet) are
 * never shown as operational: a page that goes quiet must not look green.
 */
export type ComponentState =
  | 'operational'
  | 'degraded_performance'
  | 'partial_outage'
  | 'major_outage'
  | 'under_maintenance'
  | 'stale'
  | 'unknown';

/** How each state reads on the page, the feed and the badges. */
export const COMPONENT_STATE_LABELS: Readonly<Record<ComponentState, string>> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
  stale: 'Stale',
  unknown: 'Unknown',
};

/** One check of a component, as far as its state on the page goes. */
export interface ComponentCheck {
  /** `unknown` until the check has run once. */
  state: CheckState | 'unknown';
  /** When it last reported; null when it never did. */
  lastAt: number | null;
  /** Its interval and timeout, from which the default `stale_after` follows. */
  every: number;
  timeout: number;
}

/**
 * How long a component's checks may stay silent before it is stale: `stale_after` when the file sets
 * it, else three intervals of its slowest check plus that check's timeout (a check that is a little
 * late, or one run that timed out, does not make the page flicker).
 */
export function staleAfterOf(checks: readonly ComponentCheck[], configured: number | undefined): number {
  if (configured !== undefined) return configured;
  let slowest: ComponentCheck | undefined;
  for (const check of checks) if (!slowest || check.every > slowest.every) slowest = check;
  return slowest ? 3 * slowest.every + slowest.timeout : 0;
}

/**
 * The component's state from its checks' states, first rule that applies:
 * 1. no checks: unknown;
 * 2. a check that reported in time is unhealthy: major outage when every check is, else partial outage;
 * 3. a check that reported in time is degraded: degraded performance;
 * 4. a check has not reported within `staleAfter` (but did once): stale;
 * 5. a check is paused (a maintenance window): under maintenance;
 * 6. a check has no verdict yet (never ran, or still starting): unknown;
 * 7. every check healthy: operational.
 * An outage seen by a fresh check is told even when another check went quiet: what is known to be
 * broken matters more than what is not known.
 */
export function componentState(
  checks: readonly ComponentCheck[],
  now: number,
  staleAfter: number,
): ComponentState {
  if (checks.length === 0) return 'unknown';
  const fresh = (c: ComponentCheck) => c.lastAt !== null && now - c.lastAt <= staleAfter;
  const unhealthy = checks.filter((c) => fresh(c) && c.state === 'unhealthy').length;
  if (unhealthy > 0) return unhealthy === checks.length ? 'major_outage' : 'partial_outage';
  if (checks.some((c) => fresh(c) && c.state === 'degraded')) return 'degraded_performance';
  if (checks.some((c) => c.lastAt !== null && !fresh(c))) return 'stale';
  if (checks.some((c) => c.state === 'paused')) return 'under_maintenance';
  if (checks.some((c) => c.state !== 'healthy' || c.lastAt === null)) return 'unknown';
  return 'operational';
}

/** The worst of the components' states, for the page's headline. */
export function overallState(states: readonly ComponentState[]): ComponentState {
  const order: readonly ComponentState[] = [
    'major_outage',
    'partial_outage',
    'degraded_performance',
    'stale',
    'unknown',
    'under_maintenance',
    'operational',
  ];
  for (const state of order) if (states.includes(state)) return state;
  return 'unknown';
}
