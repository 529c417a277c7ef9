import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/roles.js';
import { TokenService } from '../../src/access/tokens.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { installAuth } from '../../src/server/auth.js';
import { installErrorHandler } from '../../src/server/http-errors.js';
import { ManualClock } from '../../src/util/clock.js';
import { routerTable } from '../helpers/route-table.js';
import { stackFrom } from '../helpers/stack.js';

/**
 * Every route the router holds, in every spelling an attacker might try, without a token, with a
 * garbage one and with a weaker role: the answer is the auth hook's 401 or 403, or the not-found
 * answer, never a handler's. The route list below is the test's coverage: a route the router holds
 * that is not on it fails the test, and so does a route that answers without a token but is not
 * listed as public.
 */

/** The project ping key of the heartbeat's slug URL. */
const PING_KEY = 'route-auth-ping-key-0123';

type Access = 'public' | Role;
type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE';

/** Every route and method the router holds, with the access it must have. */
const ROUTES: Record<string, Partial<Record<Method, Access>>> = {
  '/health': { GET: 'public', HEAD: 'public' },
  '/ready': { GET: 'public', HEAD: 'public' },
  '/metrics': { GET: 'public', HEAD: 'public' }, // viewer on the node with metrics.public: false
  '/ping/:token': { GET: 'public', HEAD: 'public', POST: 'public' },
  '/ping/:token/:part': { GET: 'public', HEAD: 'public', POST: 'public' },
  '/ping/:token/:part/:action': { GET: 'public', HEAD: 'public', POST: 'public' },
  '/api/openapi.json': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/json': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/yaml': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/static/index.html': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/static/swagger-initializer.js': { GET: 'viewer', HEAD: 'viewer' },
  '/api/docs/static/*': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/jobs': { GET: 'viewer', HEAD: 'viewer', POST: 'operator' },
  '/api/v1/jobs/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/jobs/:id/retry': { POST: 'operator' },
  '/api/v1/jobs/:id/cancel': { POST: 'operator' },
  '/api/v1/jobs/:id/events': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/jobs/replay': { POST: 'operator' },
  '/api/v1/queue': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/audit': { GET: 'admin', HEAD: 'admin' },
  '/api/v1/tokens': { GET: 'admin', HEAD: 'admin', POST: 'admin' },
  '/api/v1/tokens/:name': { DELETE: 'admin' },
  '/api/v1/alerts': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/alerts/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/alerts/:id/ack': { POST: 'operator' },
  '/api/v1/silences': { GET: 'viewer', HEAD: 'viewer', POST: 'operator' },
  '/api/v1/silences/:id': { DELETE: 'operator' },
  '/api/v1/maintenance': { GET: 'viewer', HEAD: 'viewer', POST: 'operator' },
  '/api/v1/maintenance/:id': { DELETE: 'operator' },
  '/api/v1/backups': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name/runs': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name/runs/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name/runs/:id/evidence': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name/runs/:id/evidence/:item': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/backups/:name/restore': { POST: 'operator' },
  '/api/v1/backups/:name/run': { POST: 'operator' },
  '/api/v1/backups/:name/verify': { POST: 'operator' },
  '/api/v1/backups/:name/drill': { POST: 'operator' },
  '/api/v1/checks': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/checks/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/checks/:id/history': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/checks/:id/run': { POST: 'operator' },
  '/api/v1/services': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/services/:name': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/services/:name/restart': { POST: 'operator' },
  '/api/v1/services/:name/stop': { POST: 'operator' },
  '/api/v1/services/:name/start': { POST: 'operator' },
  '/api/v1/services/:name/rebuild': { POST: 'operator' },
  '/api/v1/services/:name/redeploy': { POST: 'operator' },
  '/api/v1/services/:name/scale': { POST: 'operator' },
  '/api/v1/services/:name/logs': { GET: 'operator', HEAD: 'operator' },
  '/api/v1/services/:name/env': { GET: 'admin', HEAD: 'admin' },
  '/api/v1/runbooks': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/runbooks/:name/runs': { POST: 'operator' },
  '/api/v1/runs': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/runs/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/runs/:id/events': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/runs/:id/evidence/:item': { GET: 'operator', HEAD: 'operator' },
  '/api/v1/runs/:id/approve': { POST: 'operator' },
  '/api/v1/runs/:id/cancel': { POST: 'operator' },
  '/api/v1/services/:name/runs': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/services/:name/runs/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/services/:name/runs/:id/evidence': { GET: 'viewer', HEAD: 'viewer' },
  // The content is the service's own logs, which a viewer may not read (like /logs).
  '/api/v1/services/:name/runs/:id/evidence/:item': { GET: 'operator', HEAD: 'operator' },
  '/api/v1/deploys': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/deploys/:name': { POST: 'operator' },
  '/api/v1/deploys/:name/rollback': { POST: 'operator' },
  '/api/v1/releases': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/releases/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/incidents': { GET: 'viewer', HEAD: 'viewer', POST: 'operator' },
  '/api/v1/incidents/:id': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/incidents/:id/report': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/incidents/:id/ack': { POST: 'operator' },
  '/api/v1/incidents/:id/assign': { POST: 'operator' },
  '/api/v1/incidents/:id/severity': { POST: 'operator' },
  '/api/v1/incidents/:id/updates': { POST: 'operator' },
  '/api/v1/incidents/:id/notes': { POST: 'operator' },
  '/api/v1/incidents/:id/resolve': { POST: 'operator' },
  '/api/v1/oncall': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/oncall/:name': { GET: 'viewer', HEAD: 'viewer' },
  '/api/v1/oncall/:name/overrides': { GET: 'viewer', HEAD: 'viewer', POST: 'operator' },
  '/api/v1/oncall/overrides/:id': { DELETE: 'operator' },
  // The status page: public only when the stack file says `status_page.public: true` (this one has none).
  '/status': { GET: 'viewer', HEAD: 'viewer' },
  '/status.json': { GET: 'viewer', HEAD: 'viewer' },
  '/status/feed.atom': { GET: 'viewer', HEAD: 'viewer' },
  '/status/badge/:component.svg': { GET: 'viewer', HEAD: 'viewer' },
};

/** Bodies a handler would act on, had it run: an admin token, a job, a silence, a window, a restore. */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/tokens': { name: 'bypass', role: 'admin' },
  'POST /api/v1/jobs': { kind: 'selftest', payload: { steps: 0 } },
  'POST /api/v1/silences': { matchers: ['service=app'], duration: '1h' },
  'POST /api/v1/maintenance': { name: 'bypass', duration: '1h' },
  'POST /api/v1/backups/:name/restore': { to: 'restored.db' },
  'POST /api/v1/alerts/:id/ack': { comment: 'bypass' },
  'POST /api/v1/services/:name/scale': { replicas: 2 },
  'POST /api/v1/runbooks/:name/runs': { params: {} },
  'POST /api/v1/runs/:id/cancel': { reason: 'bypass' },
  'POST /api/v1/deploys/:name': { image: 'bypass:v1' },
  'POST /api/v1/deploys/:name/rollback': { to: '1' },
  'POST /api/v1/incidents': { title: 'bypass', severity: 'high' },
  'POST /api/v1/incidents/:id/assign': { person: 'bypass' },
  'POST /api/v1/incidents/:id/severity': { severity: 'low' },
  'POST /api/v1/incidents/:id/updates': { text: 'bypass', status: 'resolved' },
  'POST /api/v1/incidents/:id/notes': { text: 'bypass' },
  'POST /api/v1/incidents/:id/resolve': { text: 'bypass' },
  'POST /api/v1/oncall/:name/overrides': { person: 'ann', from: '2026-06-01T09:00', to: '2026-06-02T09:00' },
};

const NOT_FOUND = {
  error: {
    code: 'NOT_FOUND',
    message: 'no route has this method and path',
    hint: 'GET /api/openapi.json (with a token) lists the API routes',
  },
};

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One request exactly as written: fetch would normalise `%2e`, `..` and absolute forms away. */
function send(
  base: URL,
  agent: http.Agent,
  request: { method: string; target: string; token?: string; body?: unknown },
  options: { headersOnly?: boolean } = {},
): Promise<Answer> {
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.target,
        agent,
        headers: {
          ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
        // A handler that streams (server-sent events) would never end; no auth answer takes this long.
        timeout: 10_000,
      },
      (res) => {
        if (options.headersOnly) {
          resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${request.method} ${request.target}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `work` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** The router's own table as `METHOD /path` strings. */
function routerRoutes(printed: string): Set<string> {
  return new Set(routerTable(printed).map((route) => `${route.method} ${route.url}`));
}

/** One spelling of a path; `kind` groups the spellings of one trick. */
interface Spelling {
  target: string;
  kind: string;
}

/** The spellings of one concrete path: the path itself first, then every variant. */
function variants(target: string, origin: string): Spelling[] {
  const out = new Map<string, string>([[target, 'plain']]);
  const add = (kind: string, spelled: string) => {
    if (!out.has(spelled)) out.set(spelled, kind);
  };
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const at = (i: number, replacement: string) => target.slice(0, i) + replacement + target.slice(i + 1);
  const slashes = [...target].flatMap((c, i) => (c === '/' ? [i] : []));
  // Every character but a slash, percent-encoded on its own (lower- and upper-case hex), then all.
  for (let i = 0; i < target.length; i++) {
    const c = target[i] as string;
    if (c === '/') continue;
    add('encoded character', at(i, hex(c)));
    if (/[a-z]/i.test(c)) add('encoded character, upper-case hex', at(i, hex(c).toUpperCase()));
  }
  add('every character encoded', [...target].map((c) => (c === '/' ? c : hex(c))).join(''));
  add('every character and slash encoded', `/${[...target.slice(1)].map(hex).join('')}`);
  for (const i of slashes) {
    const before = target.slice(0, i);
    const after = target.slice(i);
    for (const dots of ['/.', '/%2e', '/%2E', '/%c0%ae']) add('dot segment', before + dots + after);
    for (const dots of ['/x/..', '/x/%2e%2e', '/x/%2E%2E', '/x/.%2e'])
      add('dot-dot segment', before + dots + after);
    if (i > 0) {
      add('encoded slash', at(i, '%2f'));
      add('encoded slash', at(i, '%2F'));
      add('backslash', at(i, '\\'));
      add('backslash', at(i, '%5c'));
      add('semicolon parameter', `${before};x=1${after}`);
      add('semicolon parameter', `${before};${after}`);
      add('semicolon parameter', `${before}%3b${after}`);
    }
    add('doubled slash', `${before}/${after}`);
    const end = target.indexOf('/', i + 1) === -1 ? target.length : target.indexOf('/', i + 1);
    add('case change', before + target.slice(i, end).toUpperCase() + target.slice(end));
    add('case change', before + target.slice(i, i + 2).toUpperCase() + target.slice(i + 2));
  }
  add('case change', target.toUpperCase());
  for (const suffix of ['/', '//', '/.', '/..', '%2f']) add('trailing slash', target + suffix);
  for (const suffix of [';', ';x=1', '%3b']) add('semicolon parameter', target + suffix);
  for (const suffix of ['%00', '%20', '.', '%', '%zz', '%c0']) add('odd suffix', target + suffix);
  for (const suffix of ['?', '?x=1', '#x']) add('query or fragment', target + suffix);
  add('doubled slash', `/${target}`);
  add('dot segment', `/./${target.slice(1)}`);
  add('dot-dot segment', `/api/..${target}`);
  // The absolute form of the request target, which the router accepts too.
  add('absolute form', origin + target);
  add('absolute form', `http://localhost${target}`);
  // A parameter longer than the router takes.
  add('long parameter', target.replace(/\/(app\.cron|app|a|\d+)(?=\/|$)/, `/${'a'.repeat(200)}`));
  return [...out].map(([spelled, kind]) => ({ target: spelled, kind }));
}

/** The first spelling of each kind: what the slower credentials are tried with. */
function oneOfEachKind(spellings: Spelling[]): Spelling[] {
  const seen = new Set<string>();
  return spellings.filter((s) => !seen.has(s.kind) && seen.add(s.kind));
}

interface Served {
  node: RunningNode;
  base: URL;
  token: Record<Role, string>;
  stateDb: string;
  heartbeat: string;
  job: number;
  silence: number;
  window: number;
}

async function serve(metricsPublic: boolean): Promise<Served> {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const stack = stackFrom(
    `version: 1
stack: route-auth
services:
  app:
    checks:
      cron: { heartbeat: { period: 1h, grace: 1h, ping_key: ${PING_KEY} } }
notifiers:
  hook: { webhook: { url: "http://127.0.0.1:9/hook" } }
rules:
  slow: { when: "p95(app.cron.latency, 5m) > 1s", severity: low, notify: [hook] }
repositories:
  here: { local: { path: vault, passphrase: "route-auth-passphrase" } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: here
`,
  );
  const db = new Database(path.join(stack.dir, 'app.db'));
  db.exec('create table notes (id integer primary key); insert into notes default values;');
  db.close();
  const stateDb = path.join(stack.dir, 'state.db');
  const node = await startNode({
    store: { sqlitePath: stateDb },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    clock,
    metricsPublic,
    stack,
  });
  const tokens = new TokenService(node.store, { clock });
  const token = {
    viewer: (await tokens.create({ name: 'v', role: 'viewer' })).token,
    operator: (await tokens.create({ name: 'o', role: 'operator' })).token,
    admin: (await tokens.create({ name: 'a', role: 'admin' })).token,
  };
  const base = new URL(node.address);
  const agent = new http.Agent({ keepAlive: true });
  const create = async (target: string, body: unknown) => {
    const answer = await send(base, agent, { method: 'POST', target, token: token.operator, body });
    expect(answer.status, answer.body).toBe(201);
    return JSON.parse(answer.body) as Record<string, { id: number }>;
  };
  // Real objects behind the id parameters, so a request that got through would change something.
  const job = await new JobQueue(node.store, { clock }).enqueue(
    'selftest',
    { steps: 0 },
    { runAt: clock.now() + 86_400_000 },
  );
  const silence = (await create('/api/v1/silences', { matchers: ['service=app'], duration: '1h' })).silence
    ?.id;
  const window = (await create('/api/v1/maintenance', { name: 'planned', duration: '1h' })).window?.id;
  // Incident 1, which the `:id` of the incident routes names.
  const incident = (await create('/api/v1/incidents', { title: 'planned', severity: 'high' })).incident?.id;
  expect(incident).toBe(1);
  agent.destroy();
  const heartbeat = await node.monitor?.heartbeats.tokenOf('app.cron');
  if (!job || !silence || !window || !heartbeat) throw new Error('the fixtures were not created');
  return { node, base, token, stateDb, heartbeat, job: job.id, silence, window };
}

/** A concrete path for a route pattern, with parameters naming the objects that exist. */
function concrete(pattern: string, served: Served): string {
  const id = pattern.startsWith('/api/v1/jobs/')
    ? served.job
    : pattern.startsWith('/api/v1/silences/')
      ? served.silence
      : pattern.startsWith('/api/v1/maintenance/')
        ? served.window
        : 1;
  // The three-part ping URL is the ping-key form: /ping/<ping-key>/<slug>/<signal>.
  if (pattern === '/ping/:token/:part/:action') return `/ping/${PING_KEY}/cron/start`;
  return pattern
    .replace(':token', served.heartbeat)
    .replace(':part', 'start')
    .replace(':name', pattern.startsWith('/api/v1/tokens') ? 'a' : 'app')
    .replace(':component', 'app')
    .replace(':id', pattern.startsWith('/api/v1/checks') ? 'app.cron' : String(id))
    .replace(':item', '1')
    .replace('*', 'swagger-ui.css');
}

/** Every row of every table, to prove that the refused requests changed nothing. */
/** Every table but the audit log, which records refused attempts on purpose (see auditedRefusals). */
function dump(stateDb: string): string {
  const db = new Database(stateDb, { readonly: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not in ('nodes', 'audit_log', 'sqlite_sequence') order by name",
      )
      .all() as { name: string }[];
    return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`select * from "${name}"`).all()]));
  } finally {
    db.close();
  }
}

function auditedSince(stateDb: string, skip: number): Array<{ actor: string; result: string }> {
  const db = new Database(stateDb, { readonly: true });
  try {
    const rows = db.prepare('select actor, result from audit_log order by id').all() as Array<{
      actor: string;
      result: string;
    }>;
    return rows.slice(skip);
  } finally {
    db.close();
  }
}

function routesOf(metricsPublic: boolean): Map<string, Access> {
  const routes = new Map<string, Access>();
  for (const [pattern, methods] of Object.entries(ROUTES))
    for (const [method, access] of Object.entries(methods))
      routes.set(`${method} ${pattern}`, pattern === '/metrics' && !metricsPublic ? 'viewer' : access);
  return routes;
}

const GARBAGE = 'dst_0000000000000000000000000000000000000000';

/**
 * Sends each route in every spelling without a token, and in one spelling of each kind with a
 * garbage token and with every role weaker than the route needs. Returns what was answered by
 * anything but the auth hook (401 AUTH_REQUIRED with a challenge, 403 AUTH_FORBIDDEN for a valid
 * token of a weaker role) or the not-found answer (404, never for the plain path).
 */
async function refusals(
  served: Served,
  agent: http.Agent,
  routes: [string, Role][],
): Promise<{ failures: string[]; sent: number }> {
  const requests: {
    route: string;
    method: string;
    target: string;
    plain: boolean;
    who: string;
    token?: string;
  }[] = [];
  for (const [route, needed] of routes) {
    const [method, pattern] = route.split(' ') as [Method, string];
    const spellings = variants(concrete(pattern, served), served.base.origin);
    for (const { target } of spellings)
      requests.push({ route, method, target, plain: false, who: 'no token' });
    for (const { target } of oneOfEachKind(spellings)) {
      requests.push({ route, method, target, plain: false, who: 'garbage', token: GARBAGE });
      for (const role of ROLES.slice(0, ROLES.indexOf(needed)))
        requests.push({ route, method, target, plain: false, who: role, token: served.token[role] });
    }
  }
  for (const request of requests)
    request.plain = request.target === concrete(request.route.split(' ')[1] ?? '', served);

  const failures: string[] = [];
  await pool(requests, 8, async (request) => {
    const body = BODIES[request.route] ?? (request.method === 'POST' ? {} : undefined);
    const what = `${request.method} ${request.target} (${request.who})`;
    const answer = await send(served.base, agent, { ...request, body }).catch((error: Error) => error);
    if (answer instanceof Error) {
      failures.push(`${what} -> ${answer.message}`);
      return;
    }
    const weak = request.who !== 'no token' && request.who !== 'garbage';
    const code =
      request.method === 'HEAD'
        ? undefined
        : (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
    const refused =
      answer.status === 401
        ? !weak && (code === undefined || code === 'AUTH_REQUIRED') && !!answer.headers['www-authenticate']
        : answer.status === 403
          ? weak && (code === undefined || code === 'AUTH_FORBIDDEN')
          : answer.status === 404 &&
            !request.plain &&
            (code === undefined || answer.body === JSON.stringify(NOT_FOUND));
    if (!refused) failures.push(`${what} -> ${answer.status} ${answer.body.slice(0, 200)}`);
  });
  return { failures, sent: requests.length };
}

describe('access is decided on the matched route', () => {
  let served: Served;
  let agent: http.Agent;
  const routes = routesOf(true);
  const exercised = new Set<string>();

  beforeAll(async () => {
    served = await serve(true);
    agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  });
  afterAll(async () => {
    agent?.destroy();
    await served?.node.stop('test over');
  });

  it('lists every route of the router table and of the OpenAPI document', async () => {
    const table = routerRoutes(served.node.server.printRoutes());
    expect(table.size).toBeGreaterThan(40);
    expect([...table].filter((route) => !routes.has(route)).sort(), 'routes the test does not cover').toEqual(
      [],
    );
    expect([...routes.keys()].filter((route) => !table.has(route)).sort(), 'routes the router lacks').toEqual(
      [],
    );

    const doc = await send(served.base, agent, {
      method: 'GET',
      target: '/api/openapi.json',
      token: served.token.viewer,
    });
    expect(doc.status).toBe(200);
    const paths = (JSON.parse(doc.body) as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = Object.entries(paths).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${route.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(25);
    expect(documented.filter((route) => !table.has(route) || !routes.has(route))).toEqual([]);
  });

  it('creates no token for POST /%61pi/v1/tokens without a token (the encoded-path bypass)', async () => {
    const answer = await send(served.base, agent, {
      method: 'POST',
      target: '/%61pi/v1/tokens',
      body: { name: 'x', role: 'admin' },
    });
    expect(answer.status, answer.body).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('AUTH_REQUIRED');
    const names = (await new TokenService(served.node.store).list()).map((t) => t.name);
    expect(names).toEqual(['v', 'o', 'a']);
  });

  it('refuses every route that is not public, in every spelling, with no token, a garbage token or a weaker role', async () => {
    const before = dump(served.stateDb);
    const auditBefore = auditedSince(served.stateDb, 0).length;
    const guarded = [...routes].filter((entry): entry is [string, Role] => entry[1] !== 'public');
    const { failures, sent } = await refusals(served, agent, guarded);
    expect(
      failures.slice(0, 20),
      `${failures.length} of ${sent} requests answered by something other than auth`,
    ).toEqual([]);
    expect(sent).toBeGreaterThan(5_000);
    expect(dump(served.stateDb), 'a refused request changed the store').toBe(before);
    // What a refused request may add is its audit entry, when a valid token of a weaker role made it:
    // refused, never ok, and never for a request without a valid token.
    const audited = auditedSince(served.stateDb, auditBefore);
    expect(audited.length).toBeGreaterThan(0);
    expect(
      audited.filter((e) => e.result !== 'refused: AUTH_FORBIDDEN' || !/^token:[vo]$/.test(e.actor)),
    ).toEqual([]);
    for (const [route] of guarded) exercised.add(route);
    // About 7,000 requests: seconds on an idle machine, far more while the suite's other files run.
  }, 300_000);

  it('answers public routes without a token, and every other route with the role it needs', async () => {
    for (const [route, access] of routes) {
      const [method, pattern] = route.split(' ') as [Method, string];
      const target = concrete(pattern, served);
      if (access === 'public') {
        const answer = await send(served.base, agent, { method, target });
        expect(answer.status, `${route} without a token`).toBe(200);
        exercised.add(route);
        continue;
      }
      // With the role it needs, the request gets past the auth hook; what answers is the handler.
      // Only reads name the real objects, so nothing changes (an event stream is left at its headers).
      const harmless =
        method === 'GET' ? target : target.replace(/\/(app\.cron|app|a|\d+)(?=\/|$)/, '/nothing-here');
      const answer = await send(
        served.base,
        agent,
        { method, target: harmless, token: served.token[access], body: method === 'POST' ? {} : undefined },
        { headersOnly: true },
      );
      expect([401, 403], `${method} ${harmless} with a ${access} token -> ${answer.status}`).not.toContain(
        answer.status,
      );
    }
  });

  it('answers a path no route has with the same 404 whoever asks, echoing nothing of it', async () => {
    const answers = new Set<string>();
    for (const target of [
      '/api/v1/canary-7f3a',
      '/api',
      '/canary-7f3a?q=canary-7f3a',
      '/api/v1/jobs/1/canary-7f3a',
    ])
      for (const method of ['GET', 'POST', 'DELETE'])
        for (const token of [undefined, GARBAGE, served.token.admin]) {
          const answer = await send(served.base, agent, { method, target, token });
          expect(answer.status, `${method} ${target}`).toBe(404);
          expect(answer.headers['www-authenticate']).toBeUndefined();
          answers.add(answer.body);
        }
    expect([...answers]).toEqual([JSON.stringify(NOT_FOUND)]);
  });

  it('refuses a route whose declaration could be misread, when it is added', async () => {
    const app = Fastify();
    installErrorHandler(app);
    installAuth(app, { tokens: new TokenService(served.node.store) });
    const handler = async () => 'ran';
    expect(() => app.get('/a', { config: { role: 'root' as Role } }, handler)).toThrow(/unknown role "root"/);
    expect(() => app.get('/b', { config: { public: true, role: 'admin' } }, handler)).toThrow(
      /both public and a role/,
    );
    expect(() => app.get('/c', { config: { public: 'yes' as unknown as boolean } }, handler)).toThrow(
      /public/,
    );
    app.get('/d', { config: { public: false } }, handler);
    const answer = await app.inject({ method: 'GET', url: '/d' });
    expect(answer.statusCode).toBe(401);
    await app.close();
  });

  it('exercised every route of the router table', () => {
    const table = routerRoutes(served.node.server.printRoutes());
    expect([...table].filter((route) => !exercised.has(route)).sort()).toEqual([]);
  });
});

describe('with metrics.public: false', () => {
  let served: Served;
  let agent: http.Agent;

  beforeAll(async () => {
    served = await serve(false);
    agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  });
  afterAll(async () => {
    agent?.destroy();
    await served?.node.stop('test over');
  });

  it('needs a viewer token for /metrics in every spelling', async () => {
    const table = routerRoutes(served.node.server.printRoutes());
    expect([...table].sort()).toEqual([...routesOf(false).keys()].sort());
    const { failures, sent } = await refusals(served, agent, [
      ['GET /metrics', 'viewer'],
      ['HEAD /metrics', 'viewer'],
    ]);
    expect(failures, `${failures.length} of ${sent} requests answered by something other than auth`).toEqual(
      [],
    );
    expect((await send(served.base, agent, { method: 'GET', target: '/%6detrics' })).status).toBe(401);
    const scrape = await send(served.base, agent, {
      method: 'GET',
      target: '/metrics',
      token: served.token.viewer,
    });
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain('# TYPE');
  });
});

describe('the route table parser', () => {
  it('joins the segments of a printed tree', () => {
    const printed = [
      '└── /',
      '    ├── api/docs (GET, HEAD)',
      '    │   └── / (GET, HEAD)',
      '    │       └── static/',
      '    │           ├── index.html (GET, HEAD)',
      '    │           └── * (HEAD, GET)',
      '    └── ping/',
      '        └── :token (GET, POST)',
      '            └── /start (POST)',
    ].join('\n');
    expect([...routerRoutes(printed)].sort()).toEqual([
      'GET /api/docs',
      'GET /api/docs/',
      'GET /api/docs/static/*',
      'GET /api/docs/static/index.html',
      'GET /ping/:token',
      'HEAD /api/docs',
      'HEAD /api/docs/',
      'HEAD /api/docs/static/*',
      'HEAD /api/docs/static/index.html',
      'POST /ping/:token',
      'POST /ping/:token/start',
    ]);
  });
});
