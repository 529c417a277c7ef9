import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { redactUrl } from '../schema/secret.js';
import { secretString } from '../schema/secret-schema.js';
import { httpUrl, stringMap } from '../schema/values.js';
import { certificateFacts } from './shared/certificates.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  url: httpUrl(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: stringMap().optional(),
  /** Text as is; a mapping is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  // A 302 to a login page is often the answer to check, so redirects are not followed unless asked.
  follow_redirects: z.boolean().default(false),
  /** Credentials have their own keys so they are kept secret; headers are printed in results. */
  bearer_token: secretString().optional(),
  basic_auth: z.strictObject({ username: z.string(), password: secretString() }).optional(),
  tls: z
    .strictObject({
      verify: z.boolean().default(true),
      ca: z.string().optional().describe('a PEM file of CAs to trust'),
      cert: z.string().optional().describe('a PEM client certificate file'),
      key: z.string().optional().describe('the PEM private key file of the client certificate'),
    })
    .optional(),
});
type HttpOptions = z.output<typeof options>;

/** Bodies past this are cut: conditions read status pages and JSON, not downloads. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 10;

/**
 * An HTTP(S) request. Fields for conditions: status, latency, body, json.<path>, header.<name>, and
 * cert.expires_in / cert.issuer for https. Timings: dns, connect, tls, first_byte (from the request's
 * start), transfer (first byte to last), total (phases a reused keep-alive connection skips are 0).
 */
export const httpCheck = {
  kind: 'http',
  description: 'an HTTP(S) request: status, body, headers, latency and the certificate',
  options,
  defaultExpect: ['status < 400'],
  produces: () => ({ fields: ['status', 'body', 'header', 'cert', 'connected', 'ip'], values: [] }),
  // A plain http:// URL sees no certificate unless a redirect leads to https, so it gets no expiry series.
  certificate: (o) => o.url.startsWith('https:'),
  probe: probeHttp,
} satisfies CheckKindDefinition<HttpOptions>;

/** The certificate each TLS connection presented: a reused keep-alive socket no longer reports it. */
const peerCertificates = new WeakMap<Socket, X509Certificate>();

/** One keep-alive agent per TLS setting, shared by every check in the process. */
const agents = new Map<string, http.Agent>();
const agentOfOptions = new WeakMap<HttpOptions, http.Agent>();
const plainAgent = new http.Agent({ keepAlive: true });

/** What a check's options make of each request, worked out once per check rather than per run. */
interface Prepared {
  url: URL;
  headers: Record<string, string>;
  body: { text: string; type?: string } | undefined;
}
const prepared = new WeakMap<HttpOptions, Prepared>();

function prepare(o: HttpOptions): Prepared {
  let p = prepared.get(o);
  if (!p) {
    const body = bodyOf(o);
    const headers: Record<string, string> = { 'user-agent': 'dayshift-check', ...o.headers };
    if (body?.type && !hasHeader(headers, 'content-type')) headers['content-type'] = body.type;
    if (o.bearer_token) headers.authorization = `Bearer ${o.bearer_token.reveal()}`;
    if (o.basic_auth)
      headers.authorization = `Basic ${Buffer.from(`${o.basic_auth.username}:${o.basic_auth.password.reveal()}`).toString('base64')}`;
    p = { url: new URL(o.url), headers, body };
    prepared.set(o, p);
  }
  return p;
}

function agentFor(o: HttpOptions, secure: boolean, baseDir: string): http.Agent {
  const tls = o.tls;
  if (!secure) return plainAgent;
  const known = agentOfOptions.get(o);
  if (known) return known;
  const key = JSON.stringify([tls?.verify ?? true, tls?.ca, tls?.cert, tls?.key, baseDir]);
  let agent = agents.get(key);
  if (!agent) {
    const read = (file: string | undefined) => (file ? readFileSync(path.resolve(baseDir, file)) : undefined);
    agent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: tls?.verify ?? true,
      ca: read(tls?.ca),
      cert: read(tls?.cert),
      key: read(tls?.key),
    });
    agents.set(key, agent);
  }
  agentOfOptions.set(o, agent);
  return agent;
}

async function probeHttp(o: HttpOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const first = prepare(o);
  let url = first.url;
  let method = o.method;
  let body = first.body;
  const started = performance.now();
  for (let hop = 0; ; hop++) {
    let response: Response;
    // Credentials are for the origin the user named; a redirect elsewhere must not carry them.
    const headers = url.origin === first.url.origin ? first.headers : withoutCredentials(first.headers);
    try {
      response = await request(o, url, method, body, headers, context);
    } catch (error) {
      const { message, connected } = error as RequestError;
      const shown = redactUrl(url.toString());
      return {
        subject: { connected: connected === true },
        error: connected
          ? `${method} ${shown} failed: ${message}`
          : `could not connect to ${shown}: ${message}`,
      };
    }
    const location = response.headers.location;
    if (o.follow_redirects && location && response.status >= 300 && response.status < 400) {
      if (hop >= MAX_REDIRECTS)
        return { subject: {}, error: `more than ${MAX_REDIRECTS} redirects from ${redactUrl(o.url)}` };
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:'))
        return {
          subject: {},
          error: `${redactUrl(url.toString())} redirects to ${JSON.stringify(redactUrl(location))}, which is not an http(s) URL`,
        };
      url = next;
      // As browsers do: 303 (and 301/302 after a POST) turn into a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    const total = performance.now() - started;
    return {
      subject: {
        status: response.status,
        body: response.body,
        headers: response.headers,
        cookies: response.cookies,
        latencyMs: total,
        connected: true,
        ...(response.ip ? { ip: response.ip } : {}),
        ...(response.cert ?? {}),
      },
      timings: { ...response.timings, total: round(total) },
      ...(hop > 0 ? { details: { url: redactUrl(url.toString()), redirects: hop } } : {}),
    };
  }
}

/** A request's failure, and whether it got as far as a connection (TLS included) to the server. */
interface RequestError extends Error {
  connected: boolean;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !['authorization', 'cookie'].includes(name.toLowerCase())),
  );
}

interface Response {
  status: number;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  body: string;
  timings: Record<string, number>;
  cert?: { certExpiresInMs: number; certIssuer: string };
  /** The server's address the response came from (Gatus's `[IP]`). */
  ip?: string;
}

function request(
  o: HttpOptions,
  url: URL,
  method: string,
  body: { text: string; type?: string } | undefined,
  headers: Record<string, string>,
  context: ProbeContext,
): Promise<Response> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const phase = { dns: 0, connect: 0, tls: 0, first_byte: 0, transfer: 0 };
    let connected = false;
    const fail = (error: Error) => reject(Object.assign(error, { connected }));
    const req = (secure ? https : http).request(url, {
      method,
      headers,
      agent: agentFor(o, secure, context.baseDir),
      signal: context.signal,
    });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected: its phases stay 0.
      if (!socket.connecting) {
        connected = true;
        return;
      }
      socket.once('lookup', () => {
        phase.dns = round(performance.now() - t0);
      });
      socket.once('connect', () => {
        phase.connect = round(performance.now() - t0 - phase.dns);
        // Over TLS, a refused certificate is still a failure to connect.
        if (!secure) connected = true;
      });
      socket.once('secureConnect', () => {
        connected = true;
        phase.tls = round(performance.now() - t0 - phase.dns - phase.connect);
        const cert = (socket as TLSSocket).getPeerX509Certificate();
        if (cert) peerCertificates.set(socket, cert);
      });
    });
    req.once('error', fail);
    req.once('response', (res) => {
      phase.first_byte = round(performance.now() - t0);
      // Read now: once the body ends, a keep-alive socket goes back to the pool and leaves the response.
      const cert = secure
        ? certificateFacts(peerCertificates.get(req.socket as Socket), context.clock.now())
        : undefined;
      const ip = req.socket?.remoteAddress;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        phase.transfer = round(performance.now() - t0 - phase.first_byte);
        const out: Response = {
          status: res.statusCode ?? 0,
          headers: headersOf(res.headers),
          cookies: cookiesOf(res.headers['set-cookie']),
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
          timings: phase,
        };
        if (cert) out.cert = { certExpiresInMs: cert.expiresInMs, certIssuer: cert.issuer };
        if (ip) out.ip = ip;
        resolve(out);
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // The rest of a large body is not worth its transfer: the connection is dropped instead.
        if (size >= MAX_BODY_BYTES) {
          res.removeAllListeners('data');
          res.destroy();
          done();
        }
      });
      res.once('error', fail);
      res.once('end', done);
    });
    if (body) req.write(body.text);
    req.end();
  });
}

function bodyOf(o: HttpOptions): { text: string; type?: string } | undefined {
  if (o.body === undefined) return undefined;
  return typeof o.body === 'string'
    ? { text: o.body }
    : { text: JSON.stringify(o.body), type: 'application/json' };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

/** Header names in lower case; repeated headers joined as HTTP allows (set-cookie by newlines). */
function headersOf(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

/** The name=value of each Set-Cookie, for smoke steps that carry a session on. */
function cookiesOf(setCookie: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of setCookie ?? []) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
