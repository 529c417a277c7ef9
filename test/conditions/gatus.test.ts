import { describe, expect, it } from 'vitest';
import { type ConditionSubject, evaluateCondition, parseCondition } from '../../src/conditions/index.js';

const result: ConditionSubject = {
  status: 200,
  latencyMs: 180.7,
  body: ` ${JSON.stringify({
    status: 'UP',
    count: 1_000_000,
    ratio: 0.5,
    data: [{ id: 1, name: 'john' }, { id: 2 }],
    errors: null,
    nested: { ok: true, a: '<b>' },
    tags: ['a', 'b'],
  })}\n`,
  connected: true,
  certExpiresInMs: 72 * 3_600_000,
  domainExpiresInMs: 720 * 3_600_000,
  ip: '127.0.0.1',
  dnsRcode: 'NOERROR',
};

/**
 * Conditions from Gatus's documentation and the verdicts Gatus gives them. Gatus compares text as Go
 * formats it, so some verdicts are surprising, and they are kept: a Gatus user's condition means here
 * what it meant there.
 */
const table: Array<[string, boolean, string?]> = [
  ['[STATUS] == 200', true],
  ['[status] == 200', true, 'placeholder names are read in any case'],
  ['[STATUS] == 0xC8', true, 'integers compare as integers, in any base Go reads'],
  ['[STATUS] != 500', true],
  ['[STATUS] < 300', true],
  ['[STATUS] > 400', false],
  ['[STATUS] == any(200, 429)', true],
  ['[STATUS] == any(404, 429)', false],
  ['[STATUS] == pat(2*)', true],
  ['[STATUS] == pat(2??)', true],
  ['[STATUS] == pat(3*)', false],
  ['[RESPONSE_TIME] < 500', true, 'milliseconds, truncated'],
  ['[RESPONSE_TIME] == 180', true],
  ['[RESPONSE_TIME] < 1s', true, 'a Go duration on either side is milliseconds'],
  ['[RESPONSE_TIME] < 100', false],
  ['[BODY].status == UP', true, 'unquoted text is text'],
  ['[BODY].status == up', false],
  ['[BODY].status == "UP"', false, 'quotes are part of the text in Gatus'],
  ['[BODY].data[0].id == 1', true],
  ['[BODY].data[1].id == 1', false],
  ['[BODY].data[0].name == any(john, jane)', true],
  ['[BODY].data[0].name == pat(jo*)', true],
  ['[BODY].data[0].name == pat(*ane)', false],
  ['[BODY].count == 1000000', false, 'Go prints the JSON number 1000000 as 1e+06'],
  ['[BODY].count == 1e+06', true],
  ['[BODY].count > 999999', true, 'but as a number it is 1000000'],
  ['[BODY].ratio == 0.5', true],
  ['[BODY].tags == [a b]', true, 'a list is printed the way Go prints a slice'],
  ['[BODY].nested == {"a":"\\u003cb\\u003e","ok":true}', true, 'an object is printed as Go marshals it'],
  ['[BODY] == pat(*john*)', true],
  ['len([BODY].data) == 2', true],
  ['len([BODY].data) < 2', false],
  ['len([BODY].status) == 2', true, 'the length of a string'],
  ['len([STATUS]) == 3', true],
  ['has([BODY].errors) == false', true, 'a null is not there'],
  ['has([BODY].data) == true', true],
  ['has([BODY].missing) == false', true],
  ['has([IP]) == true', true],
  ['[BODY].missing != x', true],
  ['[BODY].missing == x', false],
  ['[CONNECTED] == true', true],
  ['[CERTIFICATE_EXPIRATION] > 48h', true],
  ['[CERTIFICATE_EXPIRATION] > 240h', false],
  ['[DOMAIN_EXPIRATION] > 720h', false],
  ['[DOMAIN_EXPIRATION] >= 720h', true],
  ['[IP] == 127.0.0.1', true],
  ['[IP] == pat(127.0.*)', true],
  ['[DNS_RCODE] == NOERROR', true],
];

describe("Gatus conditions keep Gatus's meaning", () => {
  it.each(table)('%s → %s', (text, ok) => {
    const condition = parseCondition(text);
    expect(condition.expr.type).toBe('gatus');
    expect(evaluateCondition(condition, result)).toMatchObject({ expr: text, ok, severity: 'fail' });
  });

  it('reports the text Gatus compared, and a path that is not in the body', () => {
    expect(evaluateCondition(parseCondition('[BODY].status == UP'), result).actual).toBe('UP');
    expect(evaluateCondition(parseCondition('[BODY].count == 1'), result).actual).toBe('1e+06');
    expect(evaluateCondition(parseCondition('[BODY].missing == x'), result)).toMatchObject({
      actual: '[BODY].missing (INVALID)',
      reason: 'the body has no missing',
    });
  });

  it("uses Go's zero values for what a check did not measure", () => {
    expect(evaluateCondition(parseCondition('[STATUS] == 0'), {}).ok).toBe(true);
    expect(evaluateCondition(parseCondition('[CONNECTED] == false'), {}).ok).toBe(true);
    expect(evaluateCondition(parseCondition('[BODY] == pat(*)'), {}).ok).toBe(true);
  });

  it('builds a tree that keeps each side as Gatus sees it', () => {
    expect(parseCondition('len([BODY].data) == 3').expr).toEqual({
      type: 'gatus',
      op: '==',
      left: { type: 'placeholder', name: 'BODY', path: 'data', fn: 'len' },
      right: { type: 'text', text: '3' },
    });
    expect(parseCondition('[IP] == any(1.1.1.1, 1.0.0.1)').expr).toMatchObject({
      right: { type: 'any', options: ['1.1.1.1', '1.0.0.1'] },
    });
    expect(parseCondition('[BODY] == pat(*ok*)').expr).toMatchObject({
      left: { type: 'placeholder', name: 'BODY' },
      right: { type: 'pattern', glob: '*ok*' },
    });
  });
});
