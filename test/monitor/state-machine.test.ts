import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/checks/types.js';
import { advance, type CheckState, initialState, setPaused } from '../../src/monitor/state-machine.js';
import { ManualClock } from '../../src/util/clock.js';

/**
 * Docker's healthcheck semantics as scenarios: a check runs every 10 s on a manual clock; each letter
 * is one run's outcome (p pass, w warn, f fail); the states are the check's state after each run.
 */
const scenarios: Array<{
  name: string;
  retries: number;
  recover?: number;
  startPeriod?: number;
  runs: string;
  states: CheckState[];
}> = [
  { name: 'a first pass ends starting', retries: 3, runs: 'p', states: ['healthy'] },
  {
    name: 'failures before the first pass count after start_period, then unhealthy at retries',
    retries: 3,
    runs: 'fff',
    states: ['starting', 'starting', 'unhealthy'],
  },
  {
    name: 'failures inside start_period do not count',
    retries: 2,
    startPeriod: 30_000,
    // runs at 0s, 10s, 20s are inside the 30 s start period; 30s and 40s count.
    runs: 'fffff',
    states: ['starting', 'starting', 'starting', 'starting', 'unhealthy'],
  },
  {
    name: 'a pass inside start_period makes it healthy at once, and later failures count',
    retries: 2,
    startPeriod: 60_000,
    runs: 'fpff',
    states: ['starting', 'healthy', 'healthy', 'unhealthy'],
  },
  {
    name: 'fewer than retries consecutive failures keep it healthy',
    retries: 3,
    runs: 'pffpff',
    states: ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy'],
  },
  {
    name: 'retries 1 turns unhealthy on the first failure',
    retries: 1,
    runs: 'pf',
    states: ['healthy', 'unhealthy'],
  },
  {
    name: 'recover 1: one pass makes an unhealthy check healthy',
    retries: 1,
    runs: 'pfp',
    states: ['healthy', 'unhealthy', 'healthy'],
  },
  {
    name: 'recover 3 needs three passes in a row; a failure in between starts over',
    retries: 1,
    recover: 3,
    runs: 'pfppfppp',
    states: [
      'healthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'healthy',
    ],
  },
  {
    name: 'a warn condition makes it degraded, a pass healthy again',
    retries: 3,
    runs: 'pwwp',
    states: ['healthy', 'degraded', 'degraded', 'healthy'],
  },
  {
    name: 'warns count as successes: they end an unhealthy spell as degraded',
    retries: 2,
    recover: 2,
    runs: 'ffww',
    states: ['starting', 'unhealthy', 'unhealthy', 'degraded'],
  },
  {
    name: 'failures in a degraded check count towards retries',
    retries: 2,
    runs: 'wff',
    states: ['degraded', 'degraded', 'unhealthy'],
  },
];

const outcomeOf: Record<string, Outcome> = { p: 'pass', w: 'warn', f: 'fail' };

describe('check states follow Docker healthcheck semantics', () => {
  it.each(scenarios)('$name', ({ retries, recover = 1, startPeriod = 0, runs, states }) => {
    const clock = new ManualClock();
    let record = initialState(clock.now());
    const seen: CheckState[] = [];
    for (const letter of runs) {
      record = advance(record, outcomeOf[letter] as Outcome, clock.now(), {
        retries,
        recover,
        startPeriodMs: startPeriod,
      }).next;
      seen.push(record.state);
      clock.advance(10_000);
    }
    expect(seen).toEqual(states);
  });

  it('reports a change only when the state moves, and keeps since until then', () => {
    const policy = { retries: 2, recover: 1, startPeriodMs: 0 };
    const a = advance(initialState(0), 'pass', 1000, policy);
    expect(a.changed).toBe(true);
    expect(a.next.since).toBe(1000);
    const b = advance(a.next, 'fail', 2000, policy);
    expect(b.changed).toBe(false);
    expect(b.next.since).toBe(1000);
    const c = advance(b.next, 'fail', 3000, policy);
    expect(c).toMatchObject({ changed: true, next: { state: 'unhealthy', since: 3000 } });
  });

  it('holds a paused check still, and resumes it as starting', () => {
    const policy = { retries: 1, recover: 1, startPeriodMs: 0 };
    const paused = setPaused(advance(initialState(0), 'pass', 0, policy).next, true, 10);
    expect(advance(paused, 'fail', 20, policy)).toMatchObject({ changed: false, next: { state: 'paused' } });
    expect(setPaused(paused, false, 30)).toMatchObject({ state: 'starting', since: 30, failures: 0 });
  });
});
