import { describe, expect, it } from 'vitest';
import type { AggregateFn } from '../../src/rules/ast.js';
import { evaluateRule, type RuleSeries } from '../../src/rules/evaluate.js';
import { parseRule, RuleSyntaxError, referencesOf } from '../../src/rules/parse.js';

/** Answers from fixed tables, to test the language apart from the store (the store has its own test). */
function fixed(data: {
  aggregate?: Record<string, number | null>;
  failure?: Record<string, number | null>;
  last?: Record<string, number | string | null>;
  state?: Record<string, string | null>;
  absent?: Record<string, boolean>;
}): RuleSeries {
  return {
    aggregate: async (fn: AggregateFn, check, metric, windowMs) =>
      data.aggregate?.[`${fn}(${check}.${metric},${windowMs})`] ?? null,
    failureRate: async (check, windowMs) => data.failure?.[`${check},${windowMs}`] ?? null,
    last: async (check, metric) => data.last?.[`${check}.${metric}`] ?? null,
    state: async (check) => data.state?.[check] ?? null,
    absent: async (check, windowMs) => data.absent?.[`${check},${windowMs}`] ?? false,
  };
}

const source = fixed({
  aggregate: {
    'p95(backend.health.latency,300000)': 1_420,
    'avg(worker.backlog.value,600000)': 900,
    'avg(worker.backlog.value,3600000)': 500,
  },
  failure: { 'backend.health,300000': 2.5 },
  last: { 'host.disk.disk_used_pct': 93.4, 'worker.backlog.value': 1_200, 'web.tls.cert_expires_in_days': 9 },
  state: { 'db.ready': 'unhealthy' },
  absent: { 'email-queue.pending,600000': true },
});

const cases: Array<[string, boolean]> = [
  ['p95(backend.health.latency, 5m) > 1s', true],
  ['p95(backend.health.latency, 5m) > 1500ms', false],
  ['failure_rate(backend.health, 5m) > 1%', true],
  ['failure_rate(backend.health, 5m) > 5%', false],
  ['last(host.disk.disk_used_pct) > 90%', true],
  ['last(web.tls.cert_expires_in_days) < 14', true],
  ["state(db.ready) == 'unhealthy'", true],
  ["state(db.ready) != 'unhealthy'", false],
  ['absent(email-queue.pending, 10m)', true],
  ['not absent(email-queue.pending, 10m)', false],
  [
    'last(worker.backlog.value) > 1000 and avg(worker.backlog.value, 10m) > avg(worker.backlog.value, 1h) * 1.5',
    true,
  ],
  ['avg(worker.backlog.value, 10m) > avg(worker.backlog.value, 1h) * 2', false],
  ['1 + 2 * 3 == 7', true],
  ['(1 + 2) * 3 == 9', true],
  ['10 - 2 - 3 == 5', true],
  ['-2 * -3 == 6', true],
  ['1 > 2 or 2 > 1', true],
  ['1 > 2 or 2 > 1 and 1 > 2', false],
  // No data is not a failure: a comparison with nothing in it is false.
  ['p99(unknown.check.latency, 5m) > 0', false],
  ['p99(unknown.check.latency, 5m) < 1', false],
  ['last(worker.backlog.value) / 0 > 1', false],
];

describe('rules language', () => {
  it.each(cases)('%s → %s', async (text, expected) => {
    const verdict = await evaluateRule(parseRule(text).expr, source, Date.now());
    expect(verdict.holds).toBe(expected);
  });

  it('sums up the values it read', async () => {
    const verdict = await evaluateRule(
      parseRule('p95(backend.health.latency, 5m) > 1s and failure_rate(backend.health, 5m) > 1%').expr,
      source,
      Date.now(),
    );
    expect(verdict).toEqual({
      holds: true,
      value: 1420,
      summary: 'p95(backend.health.latency, 5m) = 1420 ms; failure_rate(backend.health, 5m) = 2.5%',
    });
  });

  it('finds the checks an expression reads, with where they stand', () => {
    const refs = referencesOf(
      parseRule('last(worker.backlog.value) > avg(email-queue.pending.value, 1h)').expr,
    );
    expect(refs).toEqual([
      { check: 'worker.backlog', metric: 'value', at: 5 },
      { check: 'email-queue.pending', metric: 'value', at: 33 },
    ]);
  });

  const errors: Array<[string, RegExp, number]> = [
    ['p95(backend.health.latency) > 1s', /a comma and a window after the reference in p95/, 26],
    ['p95(backend.health, 5m) > 1s', /takes service\.check\.metric/, 4],
    ['failure_rate(backend.health.latency, 5m) > 1%', /takes service\.check,/, 13],
    ['avg(x.y.z, 5m) > 1 &&', /write "and"/, 19],
    ['p95(backend.health.latency, 5m) = 1s', /use == to compare/, 32],
    ['p95(backend.health.latency, 5x) > 1s', /not a number, duration or percentage/, 28],
    ['median(backend.health.latency, 5m) > 1s', /unknown function median/, 0],
    ['backend.health.latency > 1s', /needs a function around it/, 0],
    ['p95(backend.health.latency, 5m)', /must be a comparison/, 0],
    ['(1 > 2', /closing \)/, 6],
    ['1 > 2 3', /unexpected "3"/, 6],
  ];
  it.each(errors)('%s is refused: %s at column %i', (text, message, column) => {
    try {
      parseRule(text);
      expect.unreachable('it parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(RuleSyntaxError);
      expect((error as RuleSyntaxError).message).toMatch(message);
      expect((error as RuleSyntaxError).column).toBe(column);
    }
  });
});
