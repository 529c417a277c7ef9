import { describe, expect, it } from 'vitest';
import {
  type ComponentCheck,
  type ComponentState,
  componentState,
  overallState,
  staleAfterOf,
} from '../../src/status-page/component-state.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const STALE_AFTER = 60_000;

/** A check that reported `ago` ms before NOW (null: never), every 10 s with a 2 s timeout. */
const check = (state: ComponentCheck['state'], ago: number | null = 1_000): ComponentCheck => ({
  state,
  lastAt: ago === null ? null : NOW - ago,
  every: 10_000,
  timeout: 2_000,
});

describe('a component state from its checks', () => {
  const cases: Array<[string, ComponentCheck[], ComponentState]> = [
    ['no checks', [], 'unknown'],
    ['one healthy check', [check('healthy')], 'operational'],
    ['all healthy', [check('healthy'), check('healthy'), check('healthy')], 'operational'],
    ['one degraded', [check('healthy'), check('degraded')], 'degraded_performance'],
    ['one of two unhealthy', [check('healthy'), check('unhealthy')], 'partial_outage'],
    ['unhealthy and degraded', [check('degraded'), check('unhealthy')], 'partial_outage'],
    ['all unhealthy', [check('unhealthy'), check('unhealthy')], 'major_outage'],
    ['a single unhealthy check', [check('unhealthy')], 'major_outage'],
    ['paused (maintenance)', [check('paused'), check('paused')], 'under_maintenance'],
    ['paused beside healthy', [check('paused'), check('healthy')], 'under_maintenance'],
    ['paused beside unhealthy', [check('paused'), check('unhealthy')], 'partial_outage'],
    ['never ran', [check('unknown', null)], 'unknown'],
    ['healthy beside one that never ran', [check('healthy'), check('unknown', null)], 'unknown'],
    ['still starting', [check('starting')], 'unknown'],
    ['healthy but silent too long', [check('healthy', STALE_AFTER + 1)], 'stale'],
    ['healthy, exactly at the limit', [check('healthy', STALE_AFTER)], 'operational'],
    [
      'one healthy fresh, one healthy silent',
      [check('healthy'), check('healthy', 10 * STALE_AFTER)],
      'stale',
    ],
    ['unhealthy but silent: not an outage seen now', [check('unhealthy', STALE_AFTER + 1)], 'stale'],
    ['degraded but silent', [check('degraded', STALE_AFTER + 1)], 'stale'],
    ['paused but silent', [check('paused', STALE_AFTER + 1)], 'stale'],
    [
      'a fresh outage beside a silent check: the outage is told',
      [check('unhealthy'), check('healthy', STALE_AFTER + 1)],
      'partial_outage',
    ],
    [
      'fresh degraded beside silent',
      [check('degraded'), check('healthy', STALE_AFTER + 1)],
      'degraded_performance',
    ],
    [
      'unhealthy everywhere but one silent: partial, not major',
      [check('unhealthy'), check('unhealthy', STALE_AFTER + 1)],
      'partial_outage',
    ],
  ];
  it.each(cases)('%s', (_name, checks, expected) => {
    expect(componentState(checks, NOW, STALE_AFTER)).toBe(expected);
  });

  it('is never operational when a check stopped reporting, whatever its last state', () => {
    for (const state of ['healthy', 'degraded', 'unhealthy', 'paused', 'starting'] as const)
      expect(componentState([check(state, STALE_AFTER * 2)], NOW, STALE_AFTER)).not.toBe('operational');
  });
});

describe('how long a component may stay silent', () => {
  it.each([
    ['the file says so', [check('healthy')], 5_000, 5_000],
    [
      'three intervals of the slowest check plus its timeout',
      [
        { state: 'healthy', lastAt: NOW, every: 10_000, timeout: 9_000 },
        { state: 'healthy', lastAt: NOW, every: 60_000, timeout: 5_000 },
      ],
      undefined,
      3 * 60_000 + 5_000,
    ],
    ['no checks', [], undefined, 0],
  ] as Array<[string, ComponentCheck[], number | undefined, number]>)(
    '%s',
    (_name, checks, configured, expected) => {
      expect(staleAfterOf(checks, configured)).toBe(expected);
    },
  );
});

describe('the page headline', () => {
  it.each([
    [['operational', 'operational'], 'operational'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['operational', 'stale'], 'stale'],
    [['stale', 'degraded_performance'], 'degraded_performance'],
    [['partial_outage', 'major_outage', 'operational'], 'major_outage'],
    [[], 'unknown'],
  ] as Array<[ComponentState[], ComponentState]>)('%j is %s', (states, expected) => {
    expect(overallState(states)).toBe(expected);
  });
});
