import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/util/input-bounds.js';
import { routerTable } from '../helpers/route-table.js';
import { type FullNode, startFullNode } from './full-node.js';

/** Fixed, so a failure repeats; each route mixes its own key in. Set FUZZ_SEED to explore others. */
const SEED = Number(process.env.FUZZ_SEED ?? 14_0809);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 200);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A stack frame, a source path or a module path: what an answer must never show. */
const LEAKS = [
  /^\s+at .+:\d+:\d+\)?$/m,
  /\bat (?:async )?\S+ \((?:file:\/\/)?\//,
  /\/src\/\S+\.[jt]s\b/,
  /node_modules/,
];

interface Request {
  params: string[];
  body: { text: string; type?: string } | undefined;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** One request as written, path and all (no URL normalisation on the way), over a kept-alive socket. */
function send(
  base: string,
  method: string,
  path: string,
  token: string,
  body: Request['body'],
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    let answered = false;
    const request = http.request(
      {
        agent,
        host: hostname,
        port,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body?.type ? { 'content-type': body.type } : {}),
          ...(body ? { 'content-length': Buffer.byteLength(body.text) } : {}),
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    // An answer the server sent before it closed counts (a 413 need not read the whole body); a
    // connection closed with no answer is status 0, which the property refuses.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: 0, text: `no answer: ${error.code ?? error.message}` });
    });
    request.end(body?.text);
  });
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (Math.imul(h, 31) + (c.codePointAt(0) ?? 0)) | 0;
  return h;
}

/** Arrays or objects nested past any bound, to past what JSON.stringify can write back. */
const nested = fc
  .tuple(fc.constantFrom(['[', '1', ']'], ['{"a":', '1', '}']), fc.constantFrom(33, 3_000, 20_000, 100_000))
  .map(([[open, leaf, close], depth]) => open.repeat(depth) + leaf + close.repeat(depth));

/** A string of `min` to `max` code points, made by repeating a short one (fast to make at any length). */
const long = (min: number, max: number) =>
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min, max }))
    .map(([part, length]) => part.repeat(Math.ceil(length / Array.from(part).length)));

/** Values that break parsers, schemas, stores and lookups: wrong types, huge, negative, JavaScript's own names. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  long(LIMITS.name - 2, LIMITS.text + 50),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'NaN',
    'Infinity',
    '-1',
    '1e309',
    '',
    ' ',
    '\u0000',
    'service=web',
    'alertname=~(a+)+',
    'x=~[',
    '2h',
    '0s',
    '-5m',
    '99999999999999999999d',
    'viewer',
    'admin',
    'selftest',
    'app',
    'web',
    'latest',
    '../../../../tmp/fuzz',
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(9e18, 2 ** 63, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Date.now(), 1.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Strings a handler acts on when they come through: names in the stack file, matchers, durations, kinds. */
const MEANINGFUL = [
  'web',
  'worker',
  'app',
  'selftest',
  'service=web',
  'alertname=~api-.*',
  '2h',
  '30m',
  'latest',
];

/** What some body fields mean in this stack, so fitting bodies often get past the handlers' own checks. */
const KNOWN_FIELDS: Record<string, unknown[]> = {
  kind: ['selftest'],
  matchers: [['service=web'], ['alertname=~api-.*', 'severity!=low']],
  duration: ['2h', '30m'],
  services: [['web'], ['web', 'worker']],
  snapshot: ['latest'],
};

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
}

/** Values that satisfy a JSON Schema of the OpenAPI document (roughly), so requests reach the handlers. */
function fitting(schema: Schema | undefined, field?: string): fc.Arbitrary<unknown> {
  const known = field === undefined ? undefined : KNOWN_FIELDS[field];
  if (known) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, fitting(schema));
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return fc.oneof(
        fc.constantFrom(...MEANINGFUL),
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
      );
    case 'integer': {
      const min = schema.minimum ?? -1e6;
      const max = schema.maximum ?? 1e6;
      // An hour from now where a time fits, else the bounds and zero; sometimes anything in range.
      const usual = [Date.now() + 3_600_000, 0, 1, min, max].filter((v) => v >= min && v <= max);
      return fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...usual.slice(0, 2)) },
        fc.constantFrom(...usual),
        fc.double({ min, max, noNaN: true }).map((d) => Math.min(Math.max(Math.round(d), min), max)),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fitting(schema.items), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object':
      return fc.record(
        Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, fitting(v, k)])),
        { requiredKeys: schema.required ?? [] },
      );
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * Bodies for one route: fitting its schema (maybe with one field spoiled), its own fields with bad
 * values, any JSON, broken JSON, deep nesting, poisoned keys, too big, other content types.
 */
function bodies(schema: Schema | undefined): fc.Arbitrary<Request['body']> {
  const json = (v: unknown) => ({ text: JSON.stringify(v) ?? 'null', type: 'application/json' });
  const fields = Object.keys(schema?.properties ?? {});
  const keys = fields.length > 0 ? fc.constantFrom(...fields) : fc.string({ maxLength: 10 });
  const fits = fitting(schema?.type ? schema : { type: 'object' });
  const spoiled = fc
    .tuple(fits, keys, value)
    .map(([fit, key, bad]) => (fit && typeof fit === 'object' ? { ...fit, [key]: bad } : fit));
  const shaped = fc
    .dictionary(fc.oneof(keys, keys, fc.string({ maxLength: 12 })), value, { maxKeys: 8 })
    .map(json);
  const field = fields.length > 0 ? fields : ['x'];
  // Where a schema lets any structure through: untyped fields (a job's payload), objects and arrays.
  const open = fields.filter((f) => {
    const type = schema?.properties?.[f]?.type;
    return type === undefined || type === 'object' || type === 'array';
  });
  return fc.oneof(
    { weight: 4, arbitrary: fits.map(json) },
    { weight: 4, arbitrary: spoiled.map(json) },
    { weight: 4, arbitrary: shaped },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary', maxLength: 200 })
        .map((text) => ({ text, type: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: shaped.map((b) => ({ ...b, text: b.text.slice(0, Math.max(1, b.text.length - 1)) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fits, fc.constantFrom(...(open.length > 0 ? open : field)), nested)
        .map(([fit, key, deep]) => {
          // The deep value goes in as text into an otherwise fitting body, so the schema lets it through.
          const rest = fit && typeof fit === 'object' && !Array.isArray(fit) ? { ...fit } : {};
          delete (rest as Record<string, unknown>)[key];
          const head = JSON.stringify(rest).slice(0, -1);
          return {
            text: `${head}${head === '{' ? '' : ','}${JSON.stringify(key)}:${deep}}`,
            type: 'application/json',
          };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...field).map((key) => ({
        text: `{"__proto__":{"role":"admin","polluted":1},"constructor":{"prototype":{"polluted":1}},"${key}":"__proto__"}`,
        type: 'application/json',
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(LIMITS.bodyBytes + 1, 100_000)
        .chain((size) =>
          fc
            .constantFrom(...field)
            .map((key) => ({ text: `{"${key}":"${'x'.repeat(size)}"}`, type: 'application/json' })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        text: fc.string({ maxLength: 50 }),
        type: fc.constantFrom(
          undefined,
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'multipart/form-data; boundary=x',
          'application/json;;;',
          '*/*',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ text: '', type: 'application/json' }) },
  );
}

/** A path parameter: a real name or id, JavaScript's own names, number-like strings, unicode, long, raw escapes. */
function param(known: readonly string[]): fc.Arbitrary<string> {
  const encoded = fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...known) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'prototype',
          'valueOf',
        ),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '0',
          '-1',
          '1.5',
          '1e300',
          '9e18',
          '99999999999999999999',
          'NaN',
          'Infinity',
          '0x10',
          ' 1',
          'null',
          '[]',
          '{}',
          '\u0000',
          '..',
        ),
      },
      { weight: 2, arbitrary: fc.nat().map(String) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
      { weight: 1, arbitrary: long(150, 3_000) },
    )
    .map((p) => encodeURIComponent(p));
  const raw = fc.constantFrom('%', '%zz', '%00', '%2e%2e', '%c0%ae', '%ff%fe', '%E2%80%AE', ';x=1', '%2F');
  return fc.oneof({ weight: 9, arbitrary: encoded }, { weight: 1, arbitrary: raw });
}

/**
 * A seeded, bounded property-based fuzz of every mutating route the router holds, on a real server with
 * every feature configured and an admin token: random and malformed bodies and parameters. No answer is
 * a 5xx, none shows a stack frame or a source path, every error is in the house shape, and afterwards
 * the node is still healthy and ready. The node claims no jobs, so what requests queue is never run
 * (a restore queued with a random target writes nothing).
 */
describe('every mutating route, fuzzed', () => {
  let n: FullNode;
  let admin: string;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    n = await startFullNode({ concurrency: 0 });
    admin = n.token.admin;
  });
  afterAll(async () => {
    await n?.node.stop('test over');
  });

  it('answers every request below 500, without a stack trace, errors in the house shape', async () => {
    const routes = routerTable(n.node.server.printRoutes()).filter((r) => MUTATING.has(r.method));
    // The table is read from the router, so a new route is fuzzed without touching this test.
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/tokens',
        'DELETE /api/v1/tokens/:name',
        'POST /api/v1/silences',
        'POST /api/v1/maintenance',
        'POST /api/v1/jobs',
        'POST /api/v1/backups/:name/run',
        'POST /api/v1/backups/:name/restore',
        'POST /api/v1/checks/:id/run',
        'POST /ping/:token',
      ]),
    );
    const doc = (await n.call('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, any>>;
    };
    const bodySchemaOf = (method: string, url: string): Schema | undefined =>
      doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]?.requestBody?.content?.[
        'application/json'
      ]?.schema;
    const known: Record<string, string[]> = {
      id: ['1', '2', '3', 'web.cron'],
      name: ['app', 'viewer', 'operator'],
      token: [n.heartbeat],
    };

    const failures: string[] = [];
    let sent = 0;
    const fuzzRoute = async (route: { method: string; url: string }) => {
      const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
      const seed = SEED ^ hash(`${route.method} ${route.url}`);
      const request: fc.Arbitrary<Request> = fc.record({
        params: fc.tuple(...names.map((name) => param(known[name] ?? ['x']))),
        body: fc.option(bodies(bodySchemaOf(route.method, route.url)), { nil: undefined, freq: 8 }),
      });
      const property = fc.asyncProperty(request, async ({ params, body }) => {
        let i = 0;
        const url = route.url.replace(/:(\w+)/g, () => params[i++] ?? '');
        let response = await send(n.base, route.method, url, admin, body);
        sent++;
        // The fuzz may have revoked its own token (DELETE /api/v1/tokens/3): it takes a new one.
        if (response.status === 401) {
          admin = (await n.tokens.create({ name: `fuzz-admin-${sent}`, role: 'admin' })).token;
          response = await send(n.base, route.method, url, admin, body);
        }
        const { text } = response;
        const problems: string[] = [];
        if (response.status >= 500 || response.status === 0) problems.push(`answered ${response.status}`);
        for (const leak of LEAKS) if (leak.test(text)) problems.push(`shows ${leak}`);
        if (response.status >= 400) {
          let parsed: any;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const shaped =
            parsed !== null &&
            typeof parsed === 'object' &&
            Object.keys(parsed).join() === 'error' &&
            typeof parsed.error?.code === 'string' &&
            typeof parsed.error?.message === 'string' &&
            ['undefined', 'string'].includes(typeof parsed.error?.hint);
          if (!shaped) problems.push('error body is not { error: { code, message, hint? } }');
        }
        if (problems.length === 0) return;
        throw new Error(
          `${route.method} ${url.slice(0, 200)} with ${body ? `${body.type ?? '(no type)'} ${body.text.slice(0, 200)}` : 'no body'}: ${problems.join('; ')}; answer ${response.status} ${text.slice(0, 300)}`,
        );
      });
      const details = await fc.check(property, { seed, numRuns: RUNS_PER_ROUTE, endOnFailure: true });
      if (details.failed)
        failures.push(
          `${route.method} ${route.url} (seed ${seed}, path ${details.counterexamplePath}): ${
            (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance)
          }`,
        );
    };
    // A few routes at a time: the server sees concurrent requests, the test stays well under a minute.
    const queue = [...routes];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let route = queue.shift(); route; route = queue.shift()) await fuzzRoute(route);
      }),
    );

    expect(failures, `FUZZ_SEED=${SEED}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(routes.length * RUNS_PER_ROUTE);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);

    const health = await fetch(`${n.base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${n.base}/ready`);
    expect(ready.status).toBe(200);
  });
});
