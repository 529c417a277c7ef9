import type { Outcome } from '../checks/types.js';

/**
 * A check's state, with Docker's healthcheck semantics:
 *   starting   inside start_period, or not yet passed once; failures in start_period do not count
 *   healthy    the last run passed
 *   degraded   the last run passed only its fail conditions: a `warn:` condition failed
 *   unhealthy  `retries` consecutive failures; `recover` consecutive successes end it
 *   paused     maintenance: runs are recorded, the state does not move
 */
export type CheckState = 'starting' | 'healthy' | 'degraded' | 'unhealthy' | 'paused';

export const CHECK_STATES: readonly CheckState[] = ['starting', 'healthy', 'degraded', 'unhealthy', 'paused'];

/** The timing keys of a check that decide its state. */
export interface StatePolicy {
  retries: number;
  recover: number;
  startPeriodMs: number;
}

/** What the state machine remembers between runs. */
export interface StateRecord {
  state: CheckState;
  /** When the state last changed. */
  since: number;
  /** When monitoring began: start_period counts from here. */
  monitoredSince: number;
  failures: number;
  successes: number;
}

export function initialState(at: number): StateRecord {
  return { state: 'starting', since: at, monitoredSince: at, failures: 0, successes: 0 };
}

/** Where one run's outcome takes a check; `changed` says whether that is a transition to record. */
export function advance(
  record: StateRecord,
  outcome: Outcome,
  at: number,
  policy: StatePolicy,
): { next: StateRecord; changed: boolean } {
  if (record.state === 'paused') return { next: record, changed: false };
  let { state, failures, successes } = record;
  if (outcome === 'fail') {
    successes = 0;
    const inStartPeriod = state === 'starting' && at < record.monitoredSince + policy.startPeriodMs;
    // Docker: failures inside the start period are not counted towards the retries.
    // Counts stop at the number that matters, so a steady check's record stops changing.
    if (!inStartPeriod) failures = Math.min(failures + 1, policy.retries);
    if (failures >= policy.retries) state = 'unhealthy';
  } else {
    failures = 0;
    successes = Math.min(successes + 1, Math.max(policy.recover, 1));
    const good: CheckState = outcome === 'pass' ? 'healthy' : 'degraded';
    // Docker: the first success ends the start period. An unhealthy check needs `recover` in a row.
    if (state !== 'unhealthy' || successes >= policy.recover) state = good;
  }
  const changed = state !== record.state;
  return {
    next: {
      state,
      since: changed ? at : record.since,
      monitoredSince: record.monitoredSince,
      failures,
      successes,
    },
    changed,
  };
}

/** Pauses or resumes a check for a maintenance window; resuming starts from `starting` without a start period. */
export function setPaused(record: StateRecord, paused: boolean, at: number): StateRecord {
  if (paused === (record.state === 'paused')) return record;
  return paused
    ? { ...record, state: 'paused', since: at }
    : { ...record, state: 'starting', since: at, failures: 0, successes: 0 };
}
