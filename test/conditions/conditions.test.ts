import { describe, expect, it } from 'vitest';
import {
  type ConditionSubject,
  ConditionSyntaxError,
  evaluateCondition,
  parseCondition,
} from '../../src/conditions/index.js';

const response: ConditionSubject = {
  status: 200,
  latencyMs: 180,
  body: JSON.stringify({
    status: 'UP',
    data: [{ id: 1, name: 'john' }, { id: 2 }],
    errors: null,
    nested: { ok: true },
  }),
  headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc-123' },
  certExpiresInMs: 72 * 3_600_000,
  certIssuer: "Let's Encrypt",
  connected: true,
  values: { value: 12, connections_pct: 42.5, state: 'healthy' },
};

/** Dayshift's own syntax: [condition, verdict, actual value reported]. */
const dayshift: Array<[string, boolean, unknown]> = [
  ['status == 200', true, 200],
  ['status != 200', false, 200],
  ['status in [200, 302]', true, 200],
  ['status in [301, 302]', false, 200],
  ["json.status == 'UP'", true, 'UP'],
  ['json.data[0].name == "john"', true, 'john'],
  ['json.data[1].name exists', false, null],
  ['json.nested.ok == true', true, true],
  ['latency < 1s', true, 180],
  ['latency < 100ms', false, 180],
  ['header.content-type contains "json"', true, 'application/json'],
  ['header.x-request-id matches /^abc-\\d+$/', true, 'abc-123'],
  ['body contains "john"', true, response.body],
  ['cert.expires_in > 48h', true, 72 * 3_600_000],
  ['cert.expires_in > 7d', false, 72 * 3_600_000],
  ['cert.issuer == "Let\'s Encrypt"', true, "Let's Encrypt"],
  ['value < 1000', true, 12],
  ['connections_pct < 80%', true, 42.5],
  ['connections_pct < 40%', false, 42.5],
  ["state == 'healthy'", true, 'healthy'],
  ['connected == true', true, true],
  ['exit_code == 0', false, null],
];

/** Gatus's documented examples, with the verdicts Gatus gives them. */
const gatus: Array<[string, boolean]> = [
  ['[STATUS] == 200', true],
  ['[STATUS] < 300', true],
  ['[STATUS] > 400', false],
  ['[STATUS] == any(200, 429)', true],
  ['[STATUS] == any(404, 429)', false],
  ['[STATUS] != 500', true],
  ['[RESPONSE_TIME] < 500', true],
  ['[RESPONSE_TIME] < 100', false],
  ['[BODY].status == UP', true],
  ['[BODY].status == DOWN', false],
  ['[BODY].data[0].id == 1', true],
  ['[BODY].data[1].id == 1', false],
  ['len([BODY].data) == 2', true],
  ['len([BODY].data) < 2', false],
  ['[BODY].data[0].name == pat(jo*)', true],
  ['[BODY].data[0].name == pat(*ane)', false],
  ['[BODY] == pat(*john*)', true],
  ['has([BODY].errors) == false', true],
  ['has([BODY].data) == true', true],
  ['[CONNECTED] == true', true],
  ['[CERTIFICATE_EXPIRATION] > 48h', true],
  ['[CERTIFICATE_EXPIRATION] > 240h', false],
];

describe('conditions in Dayshift syntax', () => {
  it.each(dayshift)('%s → %s', (text, ok, actual) => {
    const result = evaluateCondition(parseCondition(text), response);
    expect(result).toMatchObject({ expr: text, ok, actual });
  });
});

describe("conditions in Gatus syntax keep Gatus's meaning", () => {
  it.each(gatus)('%s → %s', (text, ok) => {
    const parsed = parseCondition(text);
    expect(parsed.syntax).toBe('gatus');
    expect(evaluateCondition(parsed, response).ok).toBe(ok);
  });
});

describe('condition syntax errors', () => {
  it.each([
    ['status = 200', 7, 'use =='],
    ['status ==', 9, 'ends where a value was expected'],
    ['status in 200', 10, 'in needs a list'],
    ['body matches /(unclosed/', 13, 'invalid regular expression'],
    ["json.status == 'open", 15, 'no closing'],
    ['latency < 10 seconds', 13, 'unexpected text'],
    ['[STATUSCODE] == 200', 0, 'unknown placeholder'],
    ['[STATUS]', 8, 'expected an operator'],
  ])('%s fails at column %i', (text, column, message) => {
    let error: unknown;
    try {
      parseCondition(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConditionSyntaxError);
    expect((error as ConditionSyntaxError).column).toBe(column);
    expect((error as Error).message).toContain(message);
  });

  it('marks warn conditions', () => {
    expect(parseCondition('cpu_pct < 80%', 'warn').severity).toBe('warn');
    expect(
      evaluateCondition(parseCondition('cpu_pct < 80%', 'warn'), { values: { cpu_pct: 91 } }),
    ).toMatchObject({
      ok: false,
      severity: 'warn',
      actual: 91,
    });
  });
});
