import { describe, expect, it } from 'vitest';
import { type ConditionSubject, evaluateCondition, parseCondition } from '../../src/conditions/index.js';

const result: ConditionSubject = {
  status: 200,
  latencyMs: 180,
  body: JSON.stringify({
    status: 'UP',
    count: 1_000_000,
    data: [{ id: 1, name: 'john' }, { id: 2 }],
    errors: null,
    nested: { ok: true },
    tags: ['a', 'b'],
    'odd key': 'x',
  }),
  headers: {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': '245',
    'X-Request-Id': 'abc-123',
  },
  certExpiresInMs: 72 * 3_600_000,
  certIssuer: "Let's Encrypt",
  connected: true,
  stdout: 'all ok\n',
  values: { value: 12, connections_pct: 42.5, state: 'healthy', replicas: '3' },
};

describe('the parser builds a typed tree', () => {
  it('reads fields with paths and typed literals', () => {
    expect(parseCondition('json.items[0]["odd key"] >= 2').expr).toEqual({
      type: 'compare',
      op: '>=',
      left: { type: 'field', name: 'json', path: ['items', 0, 'odd key'] },
      right: { type: 'literal', value: 2 },
    });
    expect(parseCondition('latency < 1h30m').expr).toMatchObject({ right: { value: 5_400_000, unit: 'ms' } });
    expect(parseCondition('connections_pct <= 80%').expr).toMatchObject({
      left: { name: 'connections_pct', path: [] },
      right: { value: 80, unit: '%' },
    });
    expect(parseCondition("status in [200, 302, 'x', true]").expr).toMatchObject({
      type: 'in',
      items: [{ value: 200 }, { value: 302 }, { value: 'x' }, { value: true }],
    });
    expect(parseCondition('body matches /^ok$/i').expr).toMatchObject({
      type: 'matches',
      pattern: '^ok$',
      flags: 'i',
    });
    expect(parseCondition('header.x-request-id exists').expr).toEqual({
      type: 'exists',
      left: { type: 'field', name: 'header', path: ['x-request-id'] },
    });
    expect(parseCondition('value > -5').expr).toMatchObject({ right: { value: -5 } });
  });
});

/** [condition, verdict, the actual value reported]. */
const table: Array<[string, boolean, unknown]> = [
  ['status == 200', true, 200],
  ['status != 200', false, 200],
  ['status in [200, 302]', true, 200],
  ['status in [301, 302]', false, 200],
  ['status < 400', true, 200],
  ['latency < 1s', true, 180],
  ['latency <= 180ms', true, 180],
  ['latency > 180', false, 180],
  ['latency < 100ms', false, 180],
  ["json.status == 'UP'", true, 'UP'],
  ["json.status == 'up'", false, 'UP'],
  ['json.count == 1000000', true, 1_000_000],
  ['json.data[0].name == "john"', true, 'john'],
  ['json.data[0].id >= 1', true, 1],
  ['json.data[1].name exists', false, null],
  ['json.data[0].name exists', true, 'john'],
  ['json.errors exists', false, null],
  ['json.errors == null', true, null],
  ['json.nested.ok == true', true, true],
  ["json.nested contains 'ok'", true, { ok: true }],
  ["json.tags contains 'b'", true, ['a', 'b']],
  ["json.tags contains 'c'", false, ['a', 'b']],
  ['json["odd key"] == "x"', true, 'x'],
  ['header.content-type contains "json"', true, 'application/json; charset=utf-8'],
  ['header.Content-Length > 100', true, '245'],
  ['header.x-request-id matches /^abc-\\d+$/', true, 'abc-123'],
  ['header.x-missing exists', false, null],
  ['body contains "john"', true, result.body],
  ['body matches /"status":"UP"/', true, result.body],
  ['cert.expires_in > 48h', true, 72 * 3_600_000],
  ['cert.expires_in > 7d', false, 72 * 3_600_000],
  ['cert.issuer == "Let\'s Encrypt"', true, "Let's Encrypt"],
  ['value < 1000', true, 12],
  ['connections_pct < 80%', true, 42.5],
  ['connections_pct < 40%', false, 42.5],
  ["state == 'healthy'", true, 'healthy'],
  ["state in ['healthy', 'starting']", true, 'healthy'],
  ['replicas >= 3', true, '3'],
  ['connected == true', true, true],
  ["stdout contains 'ok'", true, 'all ok\n'],
  ['exit_code == 0', false, null],
];

describe('the evaluator', () => {
  it.each(table)('%s → %s', (text, ok, actual) => {
    expect(evaluateCondition(parseCondition(text), result)).toMatchObject({
      expr: text,
      ok,
      actual,
      severity: 'fail',
    });
  });

  it('says why a condition could not be evaluated', () => {
    expect(evaluateCondition(parseCondition("json.data[5].name == 'x'"), result)).toEqual({
      expr: "json.data[5].name == 'x'",
      ok: false,
      actual: null,
      severity: 'fail',
      reason: 'the result has no json.data[5].name',
    });
    expect(evaluateCondition(parseCondition("json.status == 'UP'"), { body: 'not json' }).reason).toBe(
      'the result has no json.status',
    );
  });

  it('keeps warn conditions apart, so a failure degrades instead of failing', () => {
    const warn = parseCondition('cpu_pct < 80%', 'warn');
    expect(evaluateCondition(warn, { values: { cpu_pct: 91 } })).toMatchObject({
      ok: false,
      severity: 'warn',
      actual: 91,
    });
    expect(evaluateCondition(warn, { values: { cpu_pct: 12 } })).toMatchObject({
      ok: true,
      severity: 'warn',
    });
  });
});

describe('telling the two syntaxes apart', () => {
  it('keeps a Dayshift condition whose quoted text holds a bracketed word', () => {
    const subject: ConditionSubject = { body: JSON.stringify({ msg: 'see [DOCS]' }) };
    for (const text of [
      "json.msg == 'see [DOCS]'",
      'json.msg == "see [DOCS] or len(x)"',
      "body contains ' [OK]'",
    ]) {
      const condition = parseCondition(text);
      expect(condition.expr.type, text).not.toBe('gatus');
    }
    expect(evaluateCondition(parseCondition("json.msg == 'see [DOCS]'"), subject).ok).toBe(true);
    expect(evaluateCondition(parseCondition("json.msg != 'see [DOCS]'"), subject).ok).toBe(false);
  });

  it("still reads Gatus's syntax wherever a placeholder or function stands outside quotes", () => {
    for (const text of ['[BODY].msg == [OK]', '200 == [STATUS]', 'UP == [BODY].status', 'len([BODY]) == 2'])
      expect(parseCondition(text).expr.type, text).toBe('gatus');
  });
});
