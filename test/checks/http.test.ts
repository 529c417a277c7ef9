import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, runCheckFully } from '../../src/checks/run.js';
import { makeCert, type TestCert } from '../helpers/certs.js';
import { checkOf, testEnv } from './check-env.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes: Record<string, Handler> = {
  '/health': (_req, res) =>
    json(res, 200, { status: 'ok', version: '1.2.3', workers: [{ id: 1 }, { id: 2 }] }),
  '/down': (_req, res) => json(res, 503, { status: 'down' }),
  '/headers': (_req, res) => {
    res.writeHead(200, {
      'x-request-id': 'abc-123',
      'cache-control': 'no-store',
      'content-type': 'text/plain',
    });
    res.end('plain text');
  },
  '/old': (_req, res) => {
    res.writeHead(301, { location: '/health' });
    res.end();
  },
  '/login-required': (_req, res) => {
    res.writeHead(302, { location: '/accounts/login/?next=/login-required' });
    res.end();
  },
  '/echo': (req, res, body) =>
    json(res, 200, {
      method: req.method,
      body,
      type: req.headers['content-type'] ?? null,
      auth: req.headers.authorization ?? null,
    }),
  '/to-echo': (_req, res) => {
    res.writeHead(307, { location: '/echo' });
    res.end();
  },
  '/to-other-origin': (_req, res) => {
    res.writeHead(302, { location: `${otherBase}/echo` });
    res.end();
  },
  '/to-ftp': (_req, res) => {
    res.writeHead(302, { location: 'ftp://127.0.0.1/file' });
    res.end();
  },
  '/big': (_req, res) => {
    // Far more than a check reads: the check must stop at its cap, not download it all.
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < 64 * 1024 * 1024 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
  '/slow': (_req, res) => {
    // Answers only after the check's timeout: the check must give up first.
    setTimeout(() => json(res, 200, { status: 'late' }), 3_000).unref();
  },
};

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
  });
  req.on('end', () => {
    const route = routes[(req.url ?? '/').split('?')[0] ?? '/'];
    if (route) route(req, res, body);
    else json(res, 404, { error: 'not found' });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let plain: Server;
let other: Server;
let base: string;
/** A second origin: credentials must not follow a redirect there. */
let otherBase: string;
const closedSockets: string[] = [];

beforeAll(async () => {
  plain = createHttpServer(handle);
  plain.on('connection', (socket) => socket.on('close', () => closedSockets.push('closed')));
  base = `http://${await listen(plain)}`;
  other = createHttpServer(handle);
  otherBase = `http://${await listen(other)}`;
});
afterAll(async () => {
  for (const s of [plain, other]) await new Promise((resolve) => s.close(resolve));
});

describe('the http check against a local server', () => {
  it('reads status, JSON fields and latency, with timings', async () => {
    const result = await runCheck(
      checkOf('http', { url: `${base}/health` }, [
        'status == 200',
        "json.status == 'ok'",
        'json.workers[1].id == 2',
        'latency < 1s',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions.map((c) => c.actual)).toEqual([200, 'ok', 2, result.latencyMs]);
    expect(Object.keys(result.timings ?? {})).toEqual([
      'dns',
      'connect',
      'tls',
      'first_byte',
      'transfer',
      'total',
    ]);
    // The status is kept beside the conditions, for /metrics to export whatever they read.
    expect(result.status).toBe(200);
  });

  it("fills Gatus's [CONNECTED] and [IP] from the connection", async () => {
    const result = await runCheck(
      checkOf('http', { url: `${base}/health` }, ['[CONNECTED] == true', '[IP] == 127.0.0.1']),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions.map((c) => c.actual)).toEqual(['true', '127.0.0.1']);
    const refused = await runCheck(
      checkOf('http', { url: 'http://127.0.0.1:1/' }, ['[CONNECTED] == true']),
      testEnv(),
    );
    expect(refused).toMatchObject({ outcome: 'fail', error: expect.stringContaining('could not connect') });
  });

  it('fails on a wrong status and says which condition and what it saw', async () => {
    const result = await runCheck(checkOf('http', { url: `${base}/down` }, ['status == 200']), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.conditions[0]).toMatchObject({ expr: 'status == 200', ok: false, actual: 503 });
    const byDefault = await runCheck(checkOf('http', { url: `${base}/down` }), testEnv());
    expect(byDefault.conditions[0]).toMatchObject({ expr: 'status < 400', ok: false, actual: 503 });
  });

  it('reads headers case-insensitively and the body as text', async () => {
    const result = await runCheck(
      checkOf('http', { url: `${base}/headers` }, [
        "header.x-request-id == 'abc-123'",
        "header.Cache-Control == 'no-store'",
        "body contains 'plain'",
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result.conditions)).toBe('pass');
  });

  it('does not follow redirects unless asked, and follows them when asked', async () => {
    const kept = await runCheck(
      checkOf('http', { url: `${base}/login-required` }, [
        'status == 302',
        'header.location matches /accounts\\/login/',
      ]),
      testEnv(),
    );
    expect(kept.outcome, JSON.stringify(kept.conditions)).toBe('pass');
    const followed = await runCheck(
      checkOf('http', { url: `${base}/old`, follow_redirects: true }, [
        'status == 200',
        "json.status == 'ok'",
      ]),
      testEnv(),
    );
    expect(followed.outcome).toBe('pass');
    expect(followed.details).toMatchObject({ redirects: 1 });
  });

  it('sends a method, a JSON body and credentials, and never shows the credentials', async () => {
    const result = await runCheck(
      checkOf(
        'http',
        { url: `${base}/echo`, method: 'POST', body: { hello: 'world' }, bearer_token: 'tok-SECRET-42' },
        [
          "json.method == 'POST'",
          'json.body == \'{"hello":"world"}\'',
          "json.type == 'application/json'",
          "json.auth == 'Bearer tok-SECRET-42'",
        ],
      ),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result.conditions)).toBe('pass');
    const basic = await runCheck(
      checkOf('http', { url: `${base}/echo`, basic_auth: { username: 'ops', password: 'pw' } }, [
        `json.auth == 'Basic ${Buffer.from('ops:pw').toString('base64')}'`,
      ]),
      testEnv(),
    );
    expect(basic.outcome).toBe('pass');
  });

  it('gives up on a slow response at the timeout and closes the connection', async () => {
    const before = closedSockets.length;
    const started = performance.now();
    const result = await runCheck(
      checkOf('http', { url: `${base}/slow` }, ['status == 200'], 300),
      testEnv(),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ outcome: 'fail', timedOut: true, error: 'timed out after 300ms' });
    await expect.poll(() => closedSockets.length, { timeout: 2_000 }).toBeGreaterThan(before);
  });

  it('reports a refused connection as an error with the URL, credentials hidden', async () => {
    const result = await runCheck(
      checkOf('http', { url: 'http://ops:hunter2@127.0.0.1:1/health' }),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(
      /^could not connect to http:\/\/ops:\*\*\*@127\.0\.0\.1:1\/health: connect ECONNREFUSED/,
    );
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('carries credentials through a redirect to the same origin only', async () => {
    const expectations = (auth: string) => ["json.method == 'GET'", `json.auth == ${auth}`];
    const same = await runCheck(
      checkOf(
        'http',
        { url: `${base}/to-echo`, follow_redirects: true, bearer_token: 'tok-SECRET-42' },
        expectations("'Bearer tok-SECRET-42'"),
      ),
      testEnv(),
    );
    expect(same.outcome, JSON.stringify(same.conditions)).toBe('pass');
    const elsewhere = await runCheck(
      checkOf(
        'http',
        {
          url: `${base}/to-other-origin`,
          follow_redirects: true,
          bearer_token: 'tok-SECRET-42',
          headers: { Cookie: 'session=abc' },
        },
        expectations('null'),
      ),
      testEnv(),
    );
    expect(elsewhere.outcome, JSON.stringify(elsewhere.conditions)).toBe('pass');
    expect(elsewhere.details).toMatchObject({ url: `${otherBase}/echo`, redirects: 1 });
  });

  it('refuses to follow a redirect out of http(s)', async () => {
    const result = await runCheck(
      checkOf('http', { url: `${base}/to-ftp`, follow_redirects: true }),
      testEnv(),
    );
    expect(result.error).toBe(
      `${base}/to-ftp redirects to "ftp://127.0.0.1/file", which is not an http(s) URL`,
    );
  });

  it('reads the first MiB of a large body and stops the transfer there', async () => {
    const before = closedSockets.length;
    const { result, subject } = await runCheckFully(
      checkOf('http', { url: `${base}/big` }, ["body contains 'xxx'"]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result.conditions)).toBe('pass');
    expect(subject.body?.length).toBe(1024 * 1024);
    await expect.poll(() => closedSockets.length, { timeout: 2_000 }).toBeGreaterThan(before);
  });

  it("gives Gatus's conditions Gatus's meaning on a real response", async () => {
    const result = await runCheck(
      checkOf('http', { url: `${base}/health` }, [
        '[STATUS] == 200',
        '[BODY].status == ok',
        '[RESPONSE_TIME] < 1000',
        'len([BODY].workers) == 2',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result.conditions)).toBe('pass');
  });
});

describe('the http check over TLS with certificates made in the test', () => {
  let ca: TestCert;
  let leaf: TestCert;
  let shortLived: TestCert;
  let client: TestCert;
  let tlsBase: string;
  let shortBase: string;
  let mtlsBase: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    ca = makeCert({ cn: 'Dayshift Test CA', days: 365, isCa: true });
    leaf = makeCert({ cn: 'localhost', days: 90, ca });
    shortLived = makeCert({ cn: 'localhost', days: 10 });
    client = makeCert({ cn: 'dayshift-client', days: 30, ca });
    const a = createHttpsServer({ cert: leaf.cert, key: leaf.key }, handle);
    const b = createHttpsServer({ cert: shortLived.cert, key: shortLived.key }, handle);
    const c = createHttpsServer(
      { cert: leaf.cert, key: leaf.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        json(res, 200, { client: peer.subject?.CN ?? null });
      },
    );
    servers.push(a, b, c);
    tlsBase = `https://${await listen(a)}`;
    shortBase = `https://${await listen(b)}`;
    mtlsBase = `https://${await listen(c)}`;
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  it('refuses an untrusted certificate by default, and trusts it through tls.ca', async () => {
    const refused = await runCheck(checkOf('http', { url: `${tlsBase}/health` }), testEnv());
    expect(refused.outcome).toBe('fail');
    expect(refused.error).toBe(
      `could not connect to ${tlsBase}/health: unable to verify the first certificate`,
    );
    const selfSigned = await runCheck(checkOf('http', { url: `${shortBase}/health` }), testEnv());
    expect(selfSigned.error).toBe(`could not connect to ${shortBase}/health: self-signed certificate`);
    const trusted = await runCheck(
      checkOf('http', { url: `${tlsBase}/health`, tls: { ca: ca.certFile } }, [
        'status == 200',
        "cert.issuer == 'Dayshift Test CA'",
      ]),
      testEnv(),
    );
    expect(trusted.outcome, JSON.stringify(trusted)).toBe('pass');
    expect(trusted.values.cert_expires_in_days).toBeGreaterThan(89);
  });

  it('checks expiry windows with verification off for a self-signed certificate', async () => {
    const url = `${shortBase}/health`;
    const result = await runCheck(
      checkOf('http', { url, tls: { verify: false } }, [
        'status == 200',
        'cert.expires_in > 7d',
        'warn: cert.expires_in > 30d',
      ]),
      testEnv(),
    );
    expect(result.outcome).toBe('warn');
    expect(result.conditions[2]).toMatchObject({ ok: false, severity: 'warn' });
    const gatus = await runCheck(
      checkOf('http', { url, tls: { verify: false } }, [
        '[CERTIFICATE_EXPIRATION] > 48h',
        '[CERTIFICATE_EXPIRATION] > 720h',
      ]),
      testEnv(),
    );
    expect(
      gatus.conditions.map((c) => c.ok),
      JSON.stringify(gatus),
    ).toEqual([true, false]);
  });

  it('presents a client certificate to a server that requires one', async () => {
    const without = await runCheck(
      checkOf('http', { url: `${mtlsBase}/`, tls: { ca: ca.certFile } }),
      testEnv(),
    );
    expect(without.outcome).toBe('fail');
    const withCert = await runCheck(
      checkOf(
        'http',
        { url: `${mtlsBase}/`, tls: { ca: ca.certFile, cert: client.certFile, key: client.keyFile } },
        ["json.client == 'dayshift-client'"],
      ),
      testEnv(),
    );
    expect(withCert.outcome, JSON.stringify(withCert)).toBe('pass');
  });
});
