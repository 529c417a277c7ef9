import { describe, expect, it } from 'vitest';
import { type AlertStep, planStep } from '../../src/alerts/lifecycle.js';
import type { AlertRecord, DesiredAlert } from '../../src/alerts/types.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function desired(overrides: Partial<DesiredAlert> = {}): DesiredAlert {
  return {
    key: 'rule:api-slow',
    origin: 'rule',
    name: 'api-slow',
    severity: 'medium',
    summary: 'p95 = 1.4s > 1s',
    labels: {},
    notify: ['ops'],
    forMs: 5 * MIN,
    repeatMs: 60 * MIN,
    ...overrides,
  };
}

function open(overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id: 1,
    key: 'rule:api-slow',
    state: 'firing',
    origin: 'rule',
    name: 'api-slow',
    severity: 'medium',
    service: null,
    checkId: null,
    rule: 'api-slow',
    summary: 'p95 = 1.4s > 1s',
    value: null,
    labels: {},
    notify: ['ops'],
    repeatMs: 60 * MIN,
    flapping: false,
    startedAt: T0,
    firedAt: T0,
    resolvedAt: null,
    ackedAt: null,
    ackedBy: null,
    notifiedAt: T0,
    announced: true,
    version: 1,
    updatedAt: T0,
    remediation: [],
    ...overrides,
  };
}

const cases: Array<
  [string, AlertRecord | undefined, DesiredAlert | undefined, number, string | undefined, AlertStep['kind']]
> = [
  ['nothing open, nothing true', undefined, undefined, T0, undefined, 'none'],
  ['true with a for: opens pending', undefined, desired(), T0, undefined, 'open'],
  ['true without for: opens firing', undefined, desired({ forMs: 0 }), T0, undefined, 'open'],
  [
    'pending, for: not yet elapsed',
    open({ state: 'pending', firedAt: null }),
    desired(),
    T0 + 4 * MIN,
    undefined,
    'none',
  ],
  [
    'pending, for: elapsed',
    open({ state: 'pending', firedAt: null }),
    desired(),
    T0 + 5 * MIN,
    undefined,
    'fire',
  ],
  [
    'pending, stopped holding',
    open({ state: 'pending', firedAt: null }),
    undefined,
    T0 + MIN,
    undefined,
    'drop',
  ],
  ['firing, still true, before repeat', open(), desired(), T0 + 59 * MIN, undefined, 'none'],
  ['firing, still true, repeat due', open(), desired(), T0 + 60 * MIN, undefined, 'remind'],
  [
    'firing, acknowledged: no reminder',
    open({ ackedAt: T0 + MIN, ackedBy: 'alice' }),
    desired(),
    T0 + 600 * MIN,
    undefined,
    'none',
  ],
  ['firing, repeat 0: no reminder', open({ repeatMs: 0 }), desired(), T0 + 600 * MIN, undefined, 'none'],
  ['firing, suppressed: no reminder', open(), desired(), T0 + 60 * MIN, 'silence #1', 'none'],
  [
    'firing unannounced, suppression over',
    open({ announced: false, notifiedAt: null }),
    desired(),
    T0 + MIN,
    undefined,
    'announce',
  ],
  [
    'firing unannounced, still suppressed',
    open({ announced: false, notifiedAt: null }),
    desired(),
    T0 + MIN,
    'maintenance db',
    'none',
  ],
  ['firing, no longer true', open(), undefined, T0 + MIN, undefined, 'resolve'],
  ['firing, no longer true while suppressed', open(), undefined, T0 + MIN, 'silence #1', 'resolve'],
  ['firing, starts flapping', open(), desired({ flapping: true }), T0 + MIN, undefined, 'flapping'],
  [
    'flapping, still flapping',
    open({ flapping: true }),
    desired({ flapping: true }),
    T0 + MIN,
    undefined,
    'none',
  ],
  ['flapping, steady again', open({ flapping: true }), desired(), T0 + MIN, undefined, 'steady'],
  [
    'pending, starts flapping fires at once',
    open({ state: 'pending', firedAt: null }),
    desired({ flapping: true }),
    T0,
    undefined,
    'fire',
  ],
];

describe('alert lifecycle steps', () => {
  it.each(cases)('%s', (_name, current, wanted, now, suppressedBy, expected) => {
    expect(planStep(current, wanted, { now, suppressedBy }).kind).toBe(expected);
  });

  it('opens pending or firing by for: and by how long the origin has held', () => {
    expect(planStep(undefined, desired(), { now: T0 })).toEqual({ kind: 'open', state: 'pending' });
    expect(planStep(undefined, desired({ forMs: 0 }), { now: T0 })).toEqual({
      kind: 'open',
      state: 'firing',
    });
    expect(planStep(undefined, desired({ since: T0 - 6 * MIN }), { now: T0 })).toEqual({
      kind: 'open',
      state: 'firing',
    });
  });
});
