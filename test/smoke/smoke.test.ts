import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackConfig } from '../../src/config/schema.js';
import { HeartbeatStore } from '../../src/monitor/heartbeats.js';
import { Runs } from '../../src/runs/runs.js';
import { runSmokeSuite } from '../../src/smoke/run-suite.js';
import { systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS } from '../helpers/stores.js';

/** A login flow the way Django does it: a CSRF cookie and form token, then a session cookie. */
const sessions = new Set<string>();
let server: Server;
let base = '';

function cookies(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('=') as [string, string])
      .filter(([k]) => k),
  );
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '/';
  if (url === '/accounts/login/' && req.method === 'GET') {
    const csrf = randomBytes(16).toString('hex');
    res.writeHead(200, {
      'set-cookie': `csrftoken=${csrf}; Path=/; SameSite=Lax`,
      'content-type': 'text/html',
    });
    res.end(`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="${csrf}"></form>`);
    return;
  }
  if (url === '/accounts/login/' && req.method === 'POST') {
    const form = new URLSearchParams(body);
    if (!form.get('csrfmiddlewaretoken') || form.get('csrfmiddlewaretoken') !== cookies(req).csrftoken) {
      res.writeHead(403).end('CSRF verification failed');
      return;
    }
    if (form.get('username') !== 'ops' || form.get('password') !== 'right-password') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('Please enter a correct username and password.');
      return;
    }
    const session = randomBytes(16).toString('hex');
    sessions.add(session);
    res
      .writeHead(302, { location: '/dashboard/', 'set-cookie': `sessionid=${session}; HttpOnly; Path=/` })
      .end();
    return;
  }
  if (url === '/dashboard/') {
    if (!sessions.has(cookies(req).sessionid ?? '')) {
      res.writeHead(302, { location: '/accounts/login/?next=/dashboard/' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('Welcome back, ops');
    return;
  }
  if (url.startsWith('/echo/')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: url.slice(6) }));
    return;
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const suiteYaml = () => `version: 1
smoke:
  login:
    - name: login page
      http: { url: "${base}/accounts/login/" }
      expect: [ "status == 200" ]
      capture:
        csrf_cookie: { cookie: csrftoken }
        csrf: { body: 'name="csrfmiddlewaretoken" value="([^"]+)"' }
    - name: sign in
      http:
        url: "${base}/accounts/login/"
        method: POST
        headers: { content-type: application/x-www-form-urlencoded, cookie: "csrftoken={{ csrf_cookie }}" }
        body: "csrfmiddlewaretoken={{ csrf }}&username=ops&password=\${PASSWORD}"
      expect: [ "status == 302", "header.location == '/dashboard/'" ]
      capture: { session: { cookie: sessionid } }
    - name: dashboard
      http: { url: "${base}/dashboard/", headers: { cookie: "sessionid={{ session }}" } }
      expect: [ "status == 200", "body contains 'Welcome'" ]
    - name: dashboard without a session
      http: { url: "${base}/dashboard/" }
      expect: [ "status == 302" ]
`;

describe.each(STORE_KINDS)('smoke suites on %s', (kind) => {
  it('logs in with a CSRF token and a cookie session, reaches the protected page, and records the run', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const { config, dir } = stackFrom(suiteYaml(), { PASSWORD: 'right-password' });
      const runs = new Runs(store.db, systemClock);
      const env = { clock: systemClock, baseDir: dir, heartbeats: new HeartbeatStore(store.db, systemClock) };
      const report = await runSmokeSuite(config, 'login', env, { runs, trigger: 'test' });
      expect(report.steps.map((s) => [s.name, s.outcome, s.reason])).toEqual([
        ['login page', 'pass', null],
        ['sign in', 'pass', null],
        ['dashboard', 'pass', null],
        ['dashboard without a session', 'pass', null],
      ]);
      expect(report.ok).toBe(true);
      const run = await runs.get(report.runId as number);
      expect(run).toMatchObject({ kind: 'smoke', name: 'login', status: 'succeeded', trigger: 'test' });
      expect(run?.steps.map((s) => s.outcome)).toEqual(['pass', 'pass', 'pass', 'pass']);
      // Each step is recorded with the check's own latency as its duration.
      expect(run?.steps.map((s) => s.durationMs)).toEqual(report.steps.map((s) => s.latencyMs));
      // The session cookie never reaches the record.
      for (const session of sessions) expect(JSON.stringify(run)).not.toContain(session);
    } finally {
      await test.destroy();
    }
  });

  it('fails at sign-in with a wrong password and skips the page that needs the session, saying why', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const { config, dir } = stackFrom(suiteYaml(), { PASSWORD: 'wrong-password' });
      const runs = new Runs(store.db, systemClock);
      const env = { clock: systemClock, baseDir: dir, heartbeats: new HeartbeatStore(store.db, systemClock) };
      const report = await runSmokeSuite(config, 'login', env, { runs, trigger: 'test' });
      expect(report.ok).toBe(false);
      expect(report.steps.map((s) => [s.name, s.outcome, s.reason])).toEqual([
        ['login page', 'pass', null],
        ['sign in', 'fail', 'status == 302 (actual 200)'],
        ['dashboard', 'skipped', 'needs {{ session }}, which an earlier step did not capture'],
        ['dashboard without a session', 'pass', null],
      ]);
      expect((await runs.get(report.runId as number))?.status).toBe('failed');
    } finally {
      await test.destroy();
    }
  });
});

describe.each(STORE_KINDS)('a smoke suite stopped part way on %s', (kind) => {
  it('closes its run as failed with the error, after the steps it recorded', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const { config, dir } = stackFrom(suiteYaml(), { PASSWORD: 'right-password' });
      // A step naming a check the file does not define: validation refuses it, so it is put in after.
      const [first] = config.smoke.login ?? [];
      if (!first) throw new Error('the suite has no first step');
      const missing = {
        ...first,
        name: 'missing',
        kind: 'check',
        options: 'nowhere.health',
        capture: undefined,
      };
      const stack: StackConfig = { ...config, smoke: { broken: [first, missing] as (typeof first)[] } };
      const runs = new Runs(store.db, systemClock);
      const env = { clock: systemClock, baseDir: dir, heartbeats: new HeartbeatStore(store.db, systemClock) };
      const error = await runSmokeSuite(stack, 'broken', env, { runs, trigger: 'test' }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'CHECK_NOT_FOUND' });
      const [run] = await runs.list({ kinds: ['smoke'], name: 'broken' });
      expect(run).toMatchObject({
        status: 'failed',
        summary: { error: 'smoke broken step 2: no check nowhere.health' },
      });
      expect((await runs.get(run?.id ?? 0))?.steps.map((s) => [s.name, s.outcome])).toEqual([
        ['login page', 'pass'],
      ]);
    } finally {
      await test.destroy();
    }
  });
});

describe("Gatus's [CONTEXT] in a suite reads what earlier steps captured", () => {
  it('compares a response with a captured value, and says so when it differs', async () => {
    const { config, dir } = stackFrom(`version: 1
smoke:
  context:
    - http: { url: "${base}/accounts/login/" }
      capture: { csrf: { body: 'name="csrfmiddlewaretoken" value="([^"]+)"' } }
    - http: { url: "${base}/echo/{{ csrf }}" }
      expect: [ "[BODY].echo == [CONTEXT].csrf", "len([CONTEXT].csrf) == 32", "has([CONTEXT].csrf) == true" ]
    - http: { url: "${base}/echo/other" }
      expect: [ "[BODY].echo == [CONTEXT].csrf" ]
`);
    const env = { clock: systemClock, baseDir: dir, heartbeats: { pings: async () => undefined } };
    const report = await runSmokeSuite(config, 'context', env);
    expect(report.steps.map((s) => s.outcome)).toEqual(['pass', 'pass', 'fail']);
    expect(report.steps[2]?.result?.conditions).toMatchObject([{ ok: false, actual: 'other' }]);
  });

  it('is a load error in a step no earlier step of which captures the name, and outside a suite', () => {
    expect(() =>
      stackFrom(`version: 1
smoke:
  broken:
    - http: { url: "http://127.0.0.1:1/" }
      expect: [ "[STATUS] == [CONTEXT].code" ]
      capture: { code: { json: code } }
`),
    ).toThrow(
      /dayshift\.yaml:5:\d+ smoke\.broken\[0\]\.expect\[0\]: no earlier step of this suite captures code, which this condition reads as \[CONTEXT\]\.code/,
    );
    expect(() =>
      stackFrom(`version: 1
services:
  web:
    checks:
      health:
        http: { url: "http://127.0.0.1:1/" }
        expect: [ "[STATUS] == [CONTEXT].code" ]
`),
    ).toThrow(/dayshift\.yaml:7:\d+ .*\[CONTEXT\] reads what an earlier step of a smoke suite captured/);
  });
});

describe('a suite that uses a value no earlier step captures', () => {
  it('is a load error at the line and column of the reference', () => {
    expect(() =>
      stackFrom(`version: 1
smoke:
  broken:
    - http: { url: "http://127.0.0.1:1/items/{{ id }}" }
`),
    ).toThrow(
      /dayshift\.yaml:4:\d+ smoke\.broken\[0\]\.http\.url: no earlier step of this suite captures id, which is used here as \{\{ id \}\}/,
    );
  });
});

describe('dayshift smoke', () => {
  it('prints the steps, exits 0 or 1, and says which run recorded it', async () => {
    const { configPath } = stackFrom(suiteYaml());
    const run = (password: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [path.resolve('dist/cli/main.js'), '--config', configPath, 'smoke', 'login'],
          {
            env: { PATH: process.env.PATH ?? '', PASSWORD: password },
          },
        );
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          out += c;
        });
        child.once('close', (code) => resolve({ code: code ?? -1, out }));
      });
    const ok = await run('right-password');
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/^dashboard\s+http\s+pass\s+[\d.]+ms\s*$/m);
    expect(ok.out).toContain('smoke login: passed, recorded as run 1');
    const failed = await run('wrong-password');
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/^sign in\s+http\s+fail\s+[\d.]+ms\s+status == 302 \(actual 200\)$/m);
    expect(failed.out).toContain('smoke login: failed (2 of 4 steps), recorded as run 2');
  });
});
