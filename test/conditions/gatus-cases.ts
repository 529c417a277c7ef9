import type { ConditionSubject } from '../../src/conditions/index.js';

/**
 * Gatus's own cases, as facts: a condition, the result it is judged against, and Gatus's verdict.
 * Taken from Gatus's documentation (README conditions, placeholders, functions, DNS), the published
 * inputs of its tests (config/endpoint condition and placeholder tests, jsonpath, pattern), and Go's
 * documented conversions Gatus relies on (strconv.ParseInt/ParseFloat, time.ParseDuration,
 * path/filepath.Match). Where Dayshift deliberately refuses what Gatus would silently accept, the
 * expected verdict is the refusal: a load error whose message contains `refused`, with a hint.
 */
export interface GatusCase {
  condition: string;
  result: ConditionSubject;
  expected: boolean | { refused: string };
  from: string;
}

const ms = (n: number) => n;
const h = (n: number) => n * 3_600_000;
const body = (text: string): ConditionSubject => ({ body: text });

type Row = [condition: string, result: ConditionSubject, expected: GatusCase['expected']];
const rows = (from: string, list: Row[]): GatusCase[] =>
  list.map(([condition, result, expected]) => ({ condition, result, expected, from }));

/** config/endpoint/condition_test.go: TestCondition_evaluate and the context tests. */
const conditionTest = rows('condition_test.go', [
  ['[IP] == 127.0.0.1', { ip: '127.0.0.1' }, true],
  ['[STATUS] == 200', { status: 200 }, true],
  ['[STATUS] == 200', { status: 500 }, false],
  ['[STATUS] < 300', { status: 201 }, true],
  ['[STATUS] < 300', { status: 404 }, false],
  ['[RESPONSE_TIME] < 500', { latencyMs: ms(50) }, true],
  ['[RESPONSE_TIME] < 1s', { latencyMs: ms(50) }, true],
  // Gatus compares potato as 0, so the condition can never pass: refused where it is written.
  ['[RESPONSE_TIME] < potato', { latencyMs: ms(50) }, { refused: '"potato" is not a number or a duration' }],
  ['[RESPONSE_TIME] > 500', { latencyMs: ms(750) }, true],
  ['[RESPONSE_TIME] > 1s', { latencyMs: ms(2000) }, true],
  ['[RESPONSE_TIME] >= 500', { latencyMs: ms(500) }, true],
  ['[RESPONSE_TIME] >= 500', { latencyMs: ms(499) }, false],
  ['[RESPONSE_TIME] <= 500', { latencyMs: ms(500) }, true],
  ['[RESPONSE_TIME] <= 500', { latencyMs: ms(25) }, true],
  ['[RESPONSE_TIME] <= 500', { latencyMs: ms(750) }, false],
  ['[BODY] == test', body('test'), true],
  ['[BODY].status == UP', body('{"status":"UP"}'), true],
  ['[BODY] == 123', body('123'), true],
  ['[BODY] < 124', body('123'), true],
  ['[BODY] > 122', body('123'), true],
  ['[BODY] > 123', body('100'), false],
  ['[BODY].data.name == john', body('{"data": {"id": 1, "name": "john"}}'), true],
  ['[BODY].data.name == john', body('{"data": {"id": 1}}'), false],
  ['len([BODY].data.name) == john', body('{"data": {"id": 1}}'), false],
  [
    '[BODY].user.firstName != [BODY].user.lastName',
    body('{"user": {"firstName": "john", "lastName": "doe"}}'),
    true,
  ],
  [
    '[BODY].user.firstName == [BODY].user.lastName',
    body('{"user": {"firstName": "john", "lastName": "doe"}}'),
    false,
  ],
  ['[BODY][0].id == 1', body('[{"id": 1}, {"id": 2}]'), true],
  ['[BODY].data == OK', body('{"data": null}"'), false],
  ['[BODY].items[0] == OK', body('{"items": [null, null]}"'), false],
  ['[BODY].data == OK', body('null'), false],
  ['[BODY][0].name == test', body('{"statusCode": 500, "message": "Internal Server Error"}'), false],
  ['[BODY].data.id == 1', body('{"data": {"id": 1}}'), true],
  ['[BODY].data[1].id == 2', body('{"data": [{"id": 1}, {"id": 2}, {"id": 3}]}'), true],
  ['[BODY].data.id > 0', body('{"data": {"id": 1}}'), true],
  ['[BODY].data > 0', body('{"data": "0x1"}'), true],
  ['[BODY].data == 1', body('{"data": "0x1"}'), true],
  ['[BODY].data == 0x1', body('{"data": "0x1"}'), true],
  ['[BODY].data == 2', body('{"data": "0x2"}'), true],
  ['[BODY].data == 15', body('{"data": "0xF"}'), true],
  ['[BODY].data == 12648243', body('{"data": "0xC0ff33"}'), true],
  ['len([BODY].data) == 3', body('{"data": "0x1"}'), true],
  ['[BODY].data >= 1', body('{"data": "0x01"}'), true],
  ['len([BODY].data) == 4', body('{"data": "0x01"}'), true],
  ['[BODY].data > 0', body('{"data": "0o1"}'), true],
  ['[BODY].data == 2', body('{"data": "0o2"}'), true],
  ['[BODY].data == 0o2', body('{"data": "0o2"}'), true],
  ['[BODY].data > 0', body('{"data": "0b1"}'), true],
  ['[BODY].data == 2', body('{"data": "0b0010"}'), true],
  ['[BODY].data == 0b10', body('{"data": "0b0010"}'), true],
  ['[BODY].data.id > 5', body('{"data": {"id": 1}}'), false],
  ['[BODY].balance > 100', body('{"balance": "123.40000000000005"}'), true],
  ['[BODY].data.id < 5', body('{"data": {"id": 2}}'), true],
  ['[BODY].data.id < 5', body('{"data": {"id": 10}}'), false],
  ['[CONNECTED] == true', { connected: true }, true],
  ['[CONNECTED] == true', { connected: false }, false],
  ['[CERTIFICATE_EXPIRATION] == 0', {}, true],
  ['[CERTIFICATE_EXPIRATION] > 2419200000', { certExpiresInMs: h(24 * 60) }, true],
  ['[CERTIFICATE_EXPIRATION] > 2419200000', { certExpiresInMs: h(24 * 14) }, false],
  ['[CERTIFICATE_EXPIRATION] > 12h', { certExpiresInMs: h(24) }, true],
  ['[CERTIFICATE_EXPIRATION] > 48h', { certExpiresInMs: h(24) }, false],
  // Two constants: Gatus says false every time; Dayshift asks for a field.
  ['1 == 2', {}, { refused: 'a condition starts with a field' }],
  ['len([BODY].data.name) == 4', body('{"data": {"name": "john"}}'), true],
  ['len([BODY]) == 3', body('[{"id": 1}, {"id": 2}, {"id": 3}]'), true],
  ['len([BODY].data) == 3', body('{"data": [{"id": 1}, {"id": 2}, {"id": 3}]}'), true],
  ['len([BODY].data) == 8', body('{"name": "john.doe"}'), false],
  ['len([BODY]) == 8', body('john.doe'), true],
  ['len([BODY].name) == 8', body('{"name": "john.doe"}'), true],
  ['len([BODY].age) == 2', body('{"age":18}'), true],
  ['len([BODY].adult) == 4', body('{"adult":true}'), true],
  ['len([BODY][0]) == 23', body('[{"age":18,"adult":true}]'), true],
  ['len([BODY][0].age) == 2', body('[{"age":18,"adult":true}]'), true],
  ['len([BODY][0].adult) == 4', body('[{"age":18,"adult":true}]'), true],
  ['len([BODY]) == 20', body('{"name": "john.doe"}'), true],
  ['[BODY] == pat(*john*)', body('{"name": "john.doe"}'), true],
  ['[BODY].name == pat(john*)', body('{"name": "john.doe"}'), true],
  ['[BODY].name == pat(bob*)', body('{"name": "john.doe"}'), false],
  [
    '[BODY] == pat(*<div id="user">john.doe</div>*)',
    body(
      '<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head><body><div id="user">john.doe</div></body></html>',
    ),
    true,
  ],
  [
    '[BODY] == pat(*<div id="user">john.doe</div>*)',
    body(
      '<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head><body><div id="user">jane.doe</div></body></html>',
    ),
    false,
  ],
  [
    'pat(*<div id="user">john.doe</div>*) == [BODY]',
    body(
      '<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head><body><div id="user">jane.doe</div></body></html>',
    ),
    false,
  ],
  ['[BODY].data == pat(*Whatever*)', body('{"data": ["hello", "world", "Whatever"]}'), true],
  ['[IP] == pat(10.*)', { ip: '10.0.0.0' }, true],
  ['[IP] == pat(10.*)', { ip: '255.255.255.255' }, false],
  ['[STATUS] == pat(4*)', { status: 404 }, true],
  ['[STATUS] == pat(4*)', { status: 200 }, false],
  ['[BODY].name == any(john.doe, jane.doe)', body('{"name": "john.doe"}'), true],
  ['[BODY].name == any(john.doe, jane.doe)', body('{"name": "jane.doe"}'), true],
  ['[BODY].name == any(john.doe, jane.doe)', body('{"name": "bob"}'), false],
  ['[STATUS] == any(200, 429)', { status: 200 }, true],
  ['[STATUS] == any(200, 429)', { status: 429 }, true],
  ['any(200, 429) == [STATUS]', { status: 429 }, true],
  ['[STATUS] == any(200, 429)', { status: 404 }, false],
  ['has([BODY].errors) == false', body('{}'), true],
  [
    'has([BODY].article) == true',
    body(
      '{\n  "article": {\n    "id": 123,\n    "title": "Hello, world!",\n    "author": "John Doe",\n    "tags": ["hello", "world"],\n    "content": "I really like Gatus!"\n  }\n}',
    ),
    true,
  ],
  ['has([BODY].errors) == false', body('{"errors": ["1"]}'), false],
  // Validation: what Gatus refuses, Dayshift refuses too.
  ['[STATUS] ? 201', {}, { refused: 'expected an operator' }],
  ['[STATUS]==201', {}, { refused: 'space on each side of the operator' }],
  ['[STATUS] = = 201', {}, { refused: 'expected an operator' }],
  ['[STATUS] ==', {}, { refused: 'space on each side of the operator' }],
  ['[STATUS]', {}, { refused: 'expected an operator' }],
  // Gatus accepts two constants; Dayshift reads an unquoted word as a field and asks for quotes.
  ['raw == raw', {}, { refused: 'text must be quoted' }],
]);

/** The suite context tests of condition_test.go, with what earlier steps captured. */
const suiteContext = { expected_status: '200', max_response_time: '5000', valid_key: '5000' };
const contextTest = rows('condition_test.go (suite context)', [
  ['[STATUS] == [CONTEXT].expected_statusz', { status: 200, context: suiteContext }, false],
  ['[STATUS] == [CONTEXT].expected_status', { status: 200, context: suiteContext }, true],
  ['[RESPONSE_TIME] < [CONTEXT].invalid_key', { latencyMs: 100, context: suiteContext }, false],
  ['[RESPONSE_TIME] < [CONTEXT].max_response_time', { latencyMs: 100, context: suiteContext }, true],
]);

/** config/endpoint/placeholder_test.go: what each placeholder resolves to, as `== value` conditions. */
const resolved: ConditionSubject = {
  status: 200,
  ip: '127.0.0.1',
  latencyMs: 250,
  dnsRcode: 'NOERROR',
  connected: true,
  certExpiresInMs: h(30 * 24),
  domainExpiresInMs: h(365 * 24),
  body: '{"status":"success","items":[1,2,3],"user":{"name":"john","id":123}}',
  context: { user_id: 'abc123', session_token: 'xyz789', nested: 'test' },
};
const placeholderTest = rows('placeholder_test.go', [
  ['[STATUS] == 200', resolved, true],
  ['[IP] == 127.0.0.1', resolved, true],
  ['[RESPONSE_TIME] == 250', resolved, true],
  ['[DNS_RCODE] == NOERROR', resolved, true],
  ['[CONNECTED] == true', resolved, true],
  ['[CERTIFICATE_EXPIRATION] == 2592000000', resolved, true],
  ['[DOMAIN_EXPIRATION] == 31536000000', resolved, true],
  ['[BODY] == {"status":"success","items":[1,2,3],"user":{"name":"john","id":123}}', resolved, true],
  ['[status] == 200', resolved, true],
  ['[Ip] == 127.0.0.1', resolved, true],
  ['len([STATUS]) == 3', resolved, true],
  ['len([IP]) == 9', resolved, true],
  ['has([STATUS]) == true', resolved, true],
  ['has() == false', resolved, { refused: 'has() takes a placeholder' }],
  ['[BODY].status == success', resolved, true],
  ['[BODY].user.name == john', resolved, true],
  ['[BODY].user.id == 123', resolved, true],
  ['len([BODY].items) == 3', resolved, true],
  ['[BODY].items[0] == 1', resolved, true],
  ['has([BODY].status) == true', resolved, true],
  ['has([BODY].missing) == false', resolved, true],
  ['[CONTEXT].user_id == abc123', resolved, true],
  ['[CONTEXT].session_token == xyz789', resolved, true],
  ['has([CONTEXT].user_id) == true', resolved, true],
  ['has([CONTEXT].missing) == false', resolved, true],
  ['len([CONTEXT].user_id) == 6', resolved, true],
  // Dayshift's captures are single values, so a path into one is refused.
  ['[CONTEXT].nested.value == test', resolved, { refused: 'captures are single values' }],
  // Gatus resolves an unknown placeholder to its own text; compared with nothing it reads, it is refused.
  ['[UNKNOWN] == [UNKNOWN]', resolved, { refused: 'unknown placeholder [UNKNOWN]' }],
  ['len([UNKNOWN]) == 0', resolved, { refused: 'len() takes a placeholder' }],
  ['has([UNKNOWN]) == false', resolved, { refused: 'has() takes a placeholder' }],
  ['[BODY].invalid.path == x', resolved, false],
  ['[BODY].invalid.path != x', resolved, true],
  ['[STATUS] == 404', { status: 404, body: '{"error":"not found"}' }, true],
  ['[BODY].error == not found', { status: 404, body: '{"error":"not found"}' }, true],
]);

/** pattern/pattern_test.go: pat() against a body of `livingroom_123`. */
const patternTest: GatusCase[] = (
  [
    ['*', true],
    ['**', true],
    ['living*', true],
    ['*living*', true],
    ['*123', true],
    ['*_*', true],
    ['living*_*3', true],
    ['living*room_*3', true],
    ['*vin*om*2*', true],
    ['livingroom_123', true],
    ['*livingroom_123*', true],
    ['livingroom', false],
    ['livingroom123', false],
    ['what', false],
    ['*what*', false],
    ['*.*', false],
    ['room*123', false],
  ] as Array<[string, boolean]>
)
  .map(
    ([glob, expected]): GatusCase => ({
      condition: `[BODY] == pat(${glob})`,
      result: body('livingroom_123'),
      expected,
      from: 'pattern_test.go',
    }),
  )
  .concat(
    rows('pattern_test.go', [
      ['[BODY] == pat(*test*)', body('\\test'), true],
      ['[BODY] != pat(*test*)', body('\\test'), false],
    ]),
  );

/** jsonpath/jsonpath_test.go: each path's value, length, or that it does not resolve. */
const jsonpathCases: Array<[path: string, data: string, value: string | undefined, length?: number]> = [
  ['key', '{"key": "value"}', 'value', 5],
  ['key', 'invalid data', undefined],
  ['key', '{}', undefined],
  ['long.simple.walk', '{"long": {"simple": {"walk": "value"}}}', 'value', 5],
  ['ids[1].id', '{"ids": [{"id": 1}, {"id": 2}]}', '2', 1],
  ['ids[0]', '{"ids": [1, 2]}', '1', 1],
  ['ids[wat]', '{"ids": [1, 2]}', undefined],
  ['[1]', '[1, 2]', '2', 1],
  ['[0]', '[{"id": 1}, {"id": 2}]', '{"id":1}', 8],
  ['[0].id', '[{"id": 1}, {"id": 2}]', '1', 1],
  ['[5].id', '[{"id": 1}, {"id": 2}]', undefined],
  ['data.ids[0].id', '{"data": {"ids": [{"id": 1}, {"id": 2}, {"id": 3}]}}', '1', 1],
  ['[3][2]', '[[1, 2], [3, 4], [], [5, 6, 7]]', '7', 1],
  ['data[1][1]', '{"data": [["a", "b", "c"], ["d", "eeeee", "f"]]}', 'eeeee', 5],
  [
    'data[0].apps[1].name',
    '{"data": [{"apps": [{"name":"app1"}, {"name":"app2"}, {"name":"app3"}]}]}',
    'app2',
    4,
  ],
  ['data[0].apps[1].name', '{"data": [{"apps": []}]}', undefined],
  ['data.name.invalid', '{"data": {"name": "john"}}', undefined],
  ['balance', '{"balance": "123.40000000000005"}', '123.40000000000005', 18],
  ['balance', '{"balance": 123.40000000000005}', '123.40000000000005', 18],
  ['data[-1]', '{"data": [1, 2, 3]}', undefined],
  ['[-1]', '[1, 2, 3]', undefined],
  ['data[-1].name', '{"data": [{"name": "value"}]}', undefined],
  ['data[0][-1]', '{"data": [[1, 2, 3]]}', undefined],
];
const jsonpathTest: GatusCase[] = jsonpathCases.flatMap(([path, data, value, length]) => {
  const at = path.startsWith('[') ? `[BODY]${path}` : `[BODY].${path}`;
  const from = 'jsonpath_test.go';
  if (value === undefined)
    return [
      { condition: `has(${at}) == false`, result: body(data), expected: true, from },
      { condition: `${at} == x`, result: body(data), expected: false, from },
    ];
  return [
    { condition: `${at} == ${value}`, result: body(data), expected: true, from },
    { condition: `has(${at}) == true`, result: body(data), expected: true, from },
    { condition: `len(${at}) == ${length}`, result: body(data), expected: true, from },
  ];
});
// An array body: [BODY] is its text, and len() counts its items.
jsonpathTest.push(
  { condition: '[BODY] == [1, 2]', result: body('[1, 2]'), expected: true, from: 'jsonpath_test.go' },
  { condition: 'len([BODY]) == 2', result: body('[1, 2]'), expected: true, from: 'jsonpath_test.go' },
);

/** The README's conditions table: each example with the values it says pass and fail. */
const readme: GatusCase[] = [];
function example(condition: string, pass: ConditionSubject[], fail: ConditionSubject[]): void {
  for (const result of pass) readme.push({ condition, result, expected: true, from: 'README conditions' });
  for (const result of fail) readme.push({ condition, result, expected: false, from: 'README conditions' });
}
const status = (...codes: number[]) => codes.map((s) => ({ status: s }));
example('[STATUS] == 200', status(200), status(201, 404));
example('[STATUS] < 300', status(200, 201, 299), status(301, 302));
example('[STATUS] <= 299', status(200, 201, 299), status(301, 302));
example('[STATUS] > 400', status(401, 402, 403, 404), status(400, 200));
example('[STATUS] == any(200, 429)', status(200, 429), status(201, 400));
example('[CONNECTED] == true', [{ connected: true }], [{ connected: false }]);
example(
  '[RESPONSE_TIME] < 500',
  [100, 200, 300].map((latencyMs) => ({ latencyMs })),
  [500, 501].map((latencyMs) => ({ latencyMs })),
);
example('[IP] == 127.0.0.1', [{ ip: '127.0.0.1' }], [{ ip: '0.0.0.0' }]);
example('[BODY] == 1', [body('1')], [body('{}'), body('2')]);
example('[BODY].user.name == john', [body('{"user":{"name":"john"}}')], [body('{"user":{"name":"jane"}}')]);
example('[BODY].data[0].id == 1', [body('{"data":[{"id":1}]}')], [body('{"data":[{"id":2}]}')]);
example('[BODY].age == [BODY].id', [body('{"age":1,"id":1}')], [body('{"age":2,"id":1}')]);
example('len([BODY].data) < 5', [body('{"data":[{"id":1}]}')], [body('{"data":[1,2,3,4,5]}')]);
example('len([BODY].name) == 8', [body('{"name":"john.doe"}')], [body('{"name":"bob"}')]);
example('has([BODY].errors) == false', [body('{"name":"john.doe"}')], [body('{"errors":[]}')]);
example('has([BODY].users) == true', [body('{"users":[]}')], [body('{}')]);
example('[BODY].name == pat(john*)', [body('{"name":"john.doe"}')], [body('{"name":"bob"}')]);
example(
  '[BODY].id == any(1, 2)',
  [body('{"id":1}'), body('{"id":2}')],
  [3, 4, 5].map((id) => body(`{"id":${id}}`)),
);
example(
  '[CERTIFICATE_EXPIRATION] > 48h',
  [49, 50, 123].map((n) => ({ certExpiresInMs: h(n) })),
  [1, 24].map((n) => ({ certExpiresInMs: h(n) })),
);
example(
  '[DOMAIN_EXPIRATION] > 720h',
  [{ domainExpiresInMs: h(4000) }],
  [1, 24].map((n) => ({ domainExpiresInMs: h(n) })),
);
// The functions table and the DNS section.
example('len([BODY].username) > 8', [body('{"username":"john.doe.1"}')], [body('{"username":"john"}')]);
example('[IP] == pat(192.168.*)', [{ ip: '192.168.0.232' }], [{ ip: '10.0.0.1' }]);
example(
  '[BODY].ip == any(127.0.0.1, ::1)',
  [body('{"ip":"::1"}'), body('{"ip":"127.0.0.1"}')],
  [body('{"ip":"::2"}')],
);
example('[BODY] == 93.184.215.14', [body('93.184.215.14')], [body('93.184.215.15')]);
example(
  '[DNS_RCODE] == NOERROR',
  [{ dnsRcode: 'NOERROR' }],
  [{ dnsRcode: 'NXDOMAIN' }, { dnsRcode: 'SERVFAIL' }],
);
example('[STATUS] == pat(2*)', status(200, 204), status(301, 500));

/**
 * What Go's documented conversions make of the text, where JavaScript's would differ: path/filepath.Match
 * (`-` is itself, `\` escapes inside a class, `^` negates, `!` does not), strconv's `_` between digits,
 * a zero duration, and bracketed text that names no placeholder.
 */
const goSemantics = rows('Go semantics', [
  ['[BODY] != pat(*fatal-error*)', body('{"log":"a fatal-error occurred"}'), false],
  ['[BODY] != pat(*fatal-error*)', body('{"log":"all good"}'), true],
  ['[BODY] == pat(*fatal-error*)', body('a fatal-error occurred'), true],
  ['[BODY].host == pat(db-*-primary)', body('{"host":"db-eu-1-primary"}'), true],
  ['[BODY].host == pat(db-*-primary)', body('{"host":"db-eu-1-replica"}'), false],
  ['[BODY].date == pat(????-??-??)', body('{"date":"2024-01-31"}'), true],
  ['[BODY].date == pat(????-??-??)', body('{"date":"2024/01/31"}'), false],
  ['[IP] == pat(fe80::*)', { ip: 'fe80::1' }, true],
  ['[BODY] == pat([\\d]og)', body('dog'), true],
  ['[BODY] == pat([\\d]og)', body('1og'), false],
  ['[BODY] == pat(v[0-9].*)', body('v1.2'), true],
  ['[BODY] == pat(v[0-9].*)', body('vx.2'), false],
  ['[BODY] == pat([^a-c]x)', body('dx'), true],
  ['[BODY] == pat([^a-c]x)', body('ax'), false],
  ['[BODY] == pat([a\\-z])', body('-'), true],
  ['[BODY] == pat([a\\-z])', body('b'), false],
  ['[BODY] == pat([!a]x)', body('!x'), true],
  ['[BODY] == pat([!a]x)', body('bx'), false],
  ['[BODY] == pat(\\*)', body('*'), true],
  ['[BODY] == pat(\\*)', body('x'), false],
  ['[BODY] == pat(a\\?c)', body('a?c'), true],
  ['[BODY] == pat(a\\?c)', body('abc'), false],
  ['[BODY] == pat(a?c)', body('abc'), true],
  ['[BODY] == pat(a]b)', body('a]b'), true],
  ['[BODY] == pat(.*)', body('abc'), false],
  ['[BODY] == pat(.*)', body('.abc'), true],
  ['[BODY] == pat(a+)', body('aa'), false],
  ['[BODY] == pat(a+)', body('a+'), true],
  ['[BODY] == pat((x))', body('(x)'), true],
  ['[BODY] == pat(é?)', body('éé'), true],
  ['[BODY] == pat(*/health)', body('/api/health'), true],
  ['[BODY] == pat([z-a])', body('m'), false],
  ['[BODY] == pat(*fatal*)', body('FATAL'), false],
  // A pattern Go cannot read never matches in Gatus, so `!=` on it always passes: refused instead.
  ['[BODY] != pat(*[fatal*)', body('x'), { refused: 'the class [ has no closing ]' }],
  ['[BODY] == pat([])', body('x'), { refused: 'the class [] is empty' }],
  ['[BODY] == pat([^])', body('x'), { refused: 'the class [] is empty' }],
  ['[BODY] == pat([-a])', body('-'), { refused: 'a - in a class must be escaped' }],
  ['[BODY] == pat([a-])', body('a'), { refused: 'a - in a class must be escaped' }],
  ['[BODY] == pat(abc\\)', body('abc'), { refused: 'ends with a \\ that escapes nothing' }],
  ['[BODY] == pat([a\\', body('a'), { refused: 'has no closing )' }],
  ['[BODY].count == 1_000', body('{"count":1000}'), true],
  ['[BODY].count == 1_000', body('{"count":"1_000"}'), true],
  ['[BODY].count > 1_000', body('{"count":1001}'), true],
  ['[BODY].count < 1_000', body('{"count":1001}'), false],
  ['[RESPONSE_TIME] < 1_000', { latencyMs: 50 }, true],
  ['[BODY].n == 0x_ff', body('{"n":255}'), true],
  ['[BODY].n == 0b_1010', body('{"n":10}'), true],
  ['[BODY].n == 0_17', body('{"n":15}'), true],
  ['[BODY].n == 1__0', body('{"n":10}'), false],
  ['[BODY].n == _10', body('{"n":10}'), false],
  ['[BODY].n == 10_', body('{"n":10}'), false],
  ['[BODY].n > 1_000.5', body('{"n":1001}'), true],
  ['[BODY].n > 1_000.5', body('{"n":1000}'), false],
  ['[BODY].n < 1__0', body('{"n":1}'), { refused: '"1__0" is not a number or a duration' }],
  ['[RESPONSE_TIME] >= 0s', { latencyMs: 0 }, true],
  ['[RESPONSE_TIME] > 0s', { latencyMs: 0 }, false],
  ['[CERTIFICATE_EXPIRATION] > 0s', { certExpiresInMs: h(24) }, true],
  ['[CERTIFICATE_EXPIRATION] > 0s', {}, false],
  ['[RESPONSE_TIME] == 0s', { latencyMs: 0 }, false],
  ['[RESPONSE_TIME] == 0', { latencyMs: 0 }, true],
  ['[RESPONSE_TIME] < 1.5s', { latencyMs: 1499 }, true],
  ['[RESPONSE_TIME] < 1h30m', { latencyMs: 5_399_999 }, true],
  ['[RESPONSE_TIME] < 500us', { latencyMs: 0 }, false],
  ['[BODY].msg == [OK]', body('{"msg":"[OK]"}'), true],
  ['[BODY].msg == [OK]', body('{"msg":"OK"}'), false],
  ['[BODY].msg != [OK]', body('{"msg":"OK"}'), true],
  ['[BODY].level == [warn]', body('{"level":"[warn]"}'), true],
  ['[STATUS] == [200]', { status: 200 }, false],
  ['[BODY].x == [body]', body('{"x":"y"}'), false],
  ['[BODY] == [body]', body('same'), true],
  ['[STAUTS] == 200', { status: 200 }, { refused: 'unknown placeholder [STAUTS]' }],
  ['[CERTIFICATE_EXPIRATION] > 30d', {}, { refused: 'is not a number or a duration' }],
  ['[STATUS] < pat(2*)', { status: 200 }, { refused: 'pat() and any() work only with == and !=' }],
  ['[STATUS].code == 200', { status: 200 }, { refused: 'only [BODY] takes a path' }],
  ['[BODY].count == 1000000', body('{"count":1000000}'), false],
  ['[BODY].count == 1e+06', body('{"count":1000000}'), true],
  ['[BODY].count > 999999', body('{"count":1000000}'), true],
  ['[BODY].status == "UP"', body('{"status":"UP"}'), false],
  ['[STATUS] == 0xC8', { status: 200 }, true],
  ['[STATUS] == 0310', { status: 200 }, true],
  ['[STATUS] == 08', { status: 8 }, false],
]);

/** Negative checks: what a failed probe leaves for the conditions, Go's zero values. */
const negative = rows('Gatus results of a failed probe', [
  ['[CONNECTED] == false', { connected: false }, true],
  ['[CONNECTED] == true', { connected: false }, false],
  ['[STATUS] == 0', { connected: false }, true],
  ['[STATUS] == 200', { connected: false }, false],
  ['[STATUS] != 200', { connected: false }, true],
  ['[STATUS] < 500', { connected: false }, true],
  ['[BODY] == pat(*)', {}, true],
  ['[BODY] == pat(*ok*)', {}, false],
  ['has([BODY].status) == false', {}, true],
  ['len([BODY]) == 0', {}, true],
  ['[IP] == pat(*)', {}, true],
  ['has([IP]) == false', {}, true],
  ['[DNS_RCODE] == NOERROR', {}, false],
  ['[CERTIFICATE_EXPIRATION] == 0', { connected: false }, true],
]);

export const GATUS_CASES: readonly GatusCase[] = [
  ...conditionTest,
  ...contextTest,
  ...placeholderTest,
  ...patternTest,
  ...jsonpathTest,
  ...readme,
  ...goSemantics,
  ...negative,
];
