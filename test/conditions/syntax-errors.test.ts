import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, parseCondition } from '../../src/conditions/index.js';

/** [condition, 0-based column where it is wrong, fragment of the message]. */
const table: Array<[string, number, string]> = [
  ['', 0, 'empty'],
  ['status = 200', 7, 'use == to compare'],
  ['status ==', 9, 'ends where a value was expected'],
  ['status', 6, 'ends before its operator'],
  ['== 200', 0, 'starts with a field'],
  ['status in 200', 10, 'in needs a list'],
  ['status in [200, ]', 16, 'expected a value'],
  ['body matches /(unclosed/', 13, 'invalid regular expression'],
  ['body matches "x"', 13, 'matches needs a regular expression'],
  ["json.status == 'open", 15, 'no closing'],
  ['json.status == ok', 15, "text must be quoted: 'ok'"],
  ['latency < 10 seconds', 13, 'unexpected text after the condition'],
  ['latency < 10sec', 10, 'is not a number, duration or percentage'],
  ['latency < 80%', 10, 'latency is a duration'],
  ['status == 2s', 10, 'status is an HTTP status code'],
  ['status < "200"', 9, 'compares numbers'],
  ['status == 200 and latency < 1s', 14, 'unexpected text'],
  ['header == 1', 0, 'header needs a name'],
  ['cert.expiry > 1d', 0, 'cert has cert.expires_in and cert.issuer'],
  ['status.code == 1', 0, 'status has no fields'],
  ['json.items[x] == 1', 11, 'expected an index'],
  ['[STATUSCODE] == 200', 0, 'unknown placeholder [STATUSCODE]'],
  ['[STATUS]', 8, 'expected an operator'],
  ['[STATUS]==200', 8, 'a space on each side of the operator'],
  ['[STATUS] == 200 == 300', 16, 'has == twice'],
  ['[CERTIFICATE_EXPIRATION] > 30d', 27, 'Gatus would compare it as 0'],
  ['[STATUS] < pat(2*)', 11, 'pat() and any() work only with == and !='],
  ['[STATUS].code == 1', 8, 'only [BODY] takes a path'],
  ['len(200) == 3', 0, 'len() takes a placeholder'],
  // Gatus reads these as text and compares them, always false; here they do not load.
  ['[STATUS] == any(', 12, 'any( has no closing )'],
  ['len( == 3', 0, 'len( has no closing )'],
  ['[BODY] == pat(', 10, 'pat( has no closing )'],
  ['has([BODY].a == true', 0, 'has( has no closing )'],
  ['[BODY].status == UP)', 19, 'a ) without its ('],
  ['[BODY] == pat(a(b)', 10, 'pat( has no closing )'],
  ['size([BODY].items) == 3', 0, 'unknown function size()'],
  ['[STATUS] == ANY(200, 201)', 12, 'unknown function ANY()'],
];

describe('a condition that does not parse says where', () => {
  it.each(table)('%j fails at column %i', (text, column, message) => {
    let error: unknown;
    try {
      parseCondition(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConditionSyntaxError);
    expect(error).toMatchObject({ column, message: expect.stringContaining(message) });
  });

  it('gives hints where one helps', () => {
    const hint = (text: string) => {
      try {
        parseCondition(text);
      } catch (e) {
        return (e as ConditionSyntaxError).hint;
      }
      return undefined;
    };
    expect(hint('[RESPONSETIME] < 300')).toBe('did you mean `[RESPONSE_TIME]`?');
    expect(hint('[CERTIFICATE_EXPIRATION] > 30d')).toContain('720h');
    expect(hint('json.status == ok')).toContain("'quoted text'");
    expect(hint('[STATUS] == ANY(200, 201)')).toBe('did you mean `any`?');
    expect(hint('size([BODY].items) == 3')).toContain('len(), has(), pat(), any()');
    expect(hint('len( == 3')).toContain('len([BODY].items)');
  });
});
