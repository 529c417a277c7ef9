import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AuditEntry } from '../audit/entry.js';
import { resultOf } from '../audit/entry.js';
import type { StackConfig } from '../config/schema.js';
import { AGENT_IMAGE_OPS, type AgentImageOp } from '../drivers/shared/agent-client.js';
import { SERVICE_ACTIONS, type ServiceAction } from '../drivers/types.js';
import { DayshiftError, ERROR_TABLE } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Secret } from '../schema/secret.js';
import { ACTION_TIMEOUT_MS, type ActionOutcome, ServiceHandle } from '../services/service-control.js';
import type { Clock } from '../util/clock.js';
import { authenticate } from './authenticate.js';
import { type AgentGrant, permitsAction, permitsImageOp } from './grants.js';
import { IMAGE_TIMEOUT_MS, imageRequestOf } from './image-request.js';
import type { AgentAddress } from './listen-address.js';
import { NonceMemory } from './nonce-memory.js';
import { actionRequestOf } from './request-body.js';

/** A request body is a handful of numbers; anything larger is not one. */
const MAX_BODY_BYTES = 16 * 1024;
const ROUTE = /^\/v1\/services\/([^/?#]+)\/([^/?#]+)$/;
const IMAGE_ROUTE = /^\/v1\/services\/([^/?#]+)\/images\/([^/?#]+)$/;

/** What the agent is given: the services it may act on, its token, its list, and where its audit entries go. */
export interface AgentSettings {
  config: StackConfig;
  /** The stack file's folder: the drivers' working directory. */
  baseDir: string;
  token: Secret;
  /** The actions it takes, and `deploy` for image deploys; any other is refused with AGENT_ACTION_REFUSED. */
  allow: readonly AgentGrant[];
  /** Appends one audit entry (the store's audit log); a failure is logged, never hides the answer. */
  audit(entry: AuditEntry): Promise<void>;
  clock: Clock;
  logger: Logger;
}

export interface RunningAgent {
  /** `unix:<path>` or `http://127.0.0.1:<port>`: what a driver's `agent: { url }` names. */
  url: string;
  /** Stops listening, aborts the actions still running, and removes its socket. */
  close(): Promise<void>;
}

/**
 * `dayshift agent`: a small HTTP server on a unix socket or loopback that takes two kinds of request,
 * a signed `POST /v1/services/<service>/<action>` for a service of its own stack file and an action of
 * its list, and a signed `POST /v1/services/<service>/images/<op>` (an image deploy's step, when its
 * list has `deploy`), and performs it through the service's driver in this process. There is nothing
 * else to ask it: no Docker API, no command, no mount. Every request, accepted or not, is audited.
 */
export async function startAgent(settings: AgentSettings, address: AgentAddress): Promise<RunningAgent> {
  const nonces = new NonceMemory();
  const stopping = new AbortController();
  /** Requests being served: a close waits for their audit entries before the store closes. */
  const inFlight = new Set<Promise<void>>();
  const server = createServer(
    { requestTimeout: 15_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 },
    (req, res) => {
      const served = serve(settings, nonces, stopping.signal, req, res);
      inFlight.add(served);
      void served.finally(() => inFlight.delete(served));
    },
  );
  if ('socketPath' in address) await clearStaleSocket(address.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new DayshiftError(
          'PORT_IN_USE',
          `the agent cannot listen on ${describe(address)}: ${error.code ?? error.message}`,
          {
            hint: 'another program uses it; give another --listen',
            cause: error,
          },
        ),
      ),
    );
    if ('socketPath' in address) server.listen(address.socketPath, resolve);
    else server.listen(address.port, address.host, resolve);
  });
  let url: string;
  if ('socketPath' in address) {
    // Only the agent's own user may connect; the token is the second lock, not the only one.
    chmodSync(address.socketPath, 0o600);
    url = `unix:${address.socketPath}`;
  } else {
    const bound = server.address();
    const port = bound && typeof bound === 'object' ? bound.port : address.port;
    url = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`;
  }
  return {
    url,
    close: async () => {
      stopping.abort(new Error('the agent is stopping'));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
      if ('socketPath' in address) rmSync(address.socketPath, { force: true });
    },
  };
}

/** One request, from its bytes to its answer and its audit entry. */
async function serve(
  settings: AgentSettings,
  nonces: NonceMemory,
  stopping: AbortSignal,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const rawPath = req.url ?? '';
  const imageRoute = IMAGE_ROUTE.exec(rawPath);
  const route = imageRoute ?? ROUTE.exec(rawPath);
  const asked = route?.[2] ?? '';
  const known = imageRoute
    ? (AGENT_IMAGE_OPS as readonly string[]).includes(asked)
    : (SERVICE_ACTIONS as readonly string[]).includes(asked);
  const entry: Omit<AuditEntry, 'at' | 'result'> = {
    actor: 'agent:unauthenticated',
    action: known ? `agent.${imageRoute ? 'deploy.' : ''}${asked}` : 'agent.request',
    target: route ? decoded(route[1] as string) : undefined,
    params: { method: req.method, ...(known ? {} : { path: rawPath.slice(0, 200) }) },
  };
  // An action still running when the caller goes away (its own timeout, a cancelled run) is stopped.
  const abandoned = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abandoned.abort(new Error('the caller went away'));
  });
  let status = 200;
  let answer: unknown;
  let result = 'ok';
  try {
    const body = await readBody(req);
    authenticate(
      settings.token,
      nonces,
      { method: req.method ?? '', path: rawPath, headers: req.headers, body },
      settings.clock.now(),
    );
    entry.actor = 'agent:client';
    if (!route || req.method !== 'POST')
      throw new DayshiftError(
        'NOT_FOUND',
        `the agent answers only POST /v1/services/<service>/<action> and /v1/services/<service>/images/<op>, not ${req.method} ${rawPath.slice(0, 200)}`,
        {
          hint: `it takes: ${settings.allow.join(', ')}`,
        },
      );
    const signal = AbortSignal.any([stopping, abandoned.signal]);
    if (imageRoute) {
      if (!known || !permitsImageOp(settings.allow, asked as AgentImageOp))
        throw new DayshiftError(
          'AGENT_ACTION_REFUSED',
          `this agent does not take \`images/${asked.slice(0, 50)}\``,
          {
            hint: known
              ? `image deploys need \`deploy\` in its list (dayshift agent --allow ...,deploy); it takes: ${settings.allow.join(', ')}`
              : `image operations: ${AGENT_IMAGE_OPS.join(', ')}`,
          },
        );
      answer = { outcome: await imageOp(settings, entry, asked as AgentImageOp, body, signal) };
    } else {
      if (!known || !permitsAction(settings.allow, asked as ServiceAction))
        throw new DayshiftError(
          'AGENT_ACTION_REFUSED',
          `this agent does not take \`${asked.slice(0, 50)}\``,
          {
            hint: `it takes: ${settings.allow.join(', ')} (dayshift agent --allow)`,
          },
        );
      const action = asked as ServiceAction;
      const request = actionRequestOf(body);
      entry.params = { ...entry.params, ...request };
      const handle = new ServiceHandle(settings.config, settings.baseDir, entry.target ?? '', {
        local: true,
      });
      const outcome: ActionOutcome = await handle.act(action, {
        ...request,
        timeoutMs: Math.min(request.timeoutMs ?? ACTION_TIMEOUT_MS[action], ACTION_TIMEOUT_MS[action]),
        signal,
      });
      answer = { outcome };
    }
  } catch (error) {
    const coded = error instanceof DayshiftError ? error : undefined;
    if (!coded) settings.logger.error({ err: error, action: entry.action }, 'agent request failed');
    const code = coded?.code ?? 'INTERNAL';
    status = ERROR_TABLE[code].http;
    answer = {
      error: {
        code,
        message: coded?.message ?? 'the agent failed; its log has the details',
        ...(coded?.hint ? { hint: coded.hint } : {}),
      },
    };
    result = resultOf(coded ?? error);
    // A refusal's reason (a replay, a wrong token, a stale timestamp) is what a reader of the log needs.
    if (coded && status < 500) entry.params = { ...entry.params, reason: coded.message };
  }
  settings.logger.info(
    { actor: entry.actor, action: entry.action, target: entry.target, result },
    'agent request',
  );
  // Recorded before the answer leaves, so whoever reads the answer finds the entry.
  try {
    await settings.audit({ ...entry, at: settings.clock.now(), result });
  } catch (error) {
    // The action has happened; its answer still goes out, and the lost entry is logged loudly.
    settings.logger.error({ err: error, action: entry.action }, 'could not append to the audit log');
  }
  if (!res.destroyed) {
    const text = JSON.stringify(answer);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/**
 * One image deploy operation through the service's own driver here: its body checked, its values
 * recorded in the audit entry, its time bounded by the operation's own limit.
 */
async function imageOp(
  settings: AgentSettings,
  entry: Omit<AuditEntry, 'at' | 'result'>,
  op: AgentImageOp,
  body: Buffer,
  signal: AbortSignal,
): Promise<unknown> {
  const request = imageRequestOf(op, body);
  entry.params = { ...entry.params, ...request };
  const handle = new ServiceHandle(settings.config, settings.baseDir, entry.target ?? '', { local: true });
  const images = handle.images();
  if (!images)
    throw new DayshiftError(
      'ACTION_UNSUPPORTED',
      `service \`${handle.name}\` (${handle.driver} driver) does not deploy by image on this agent`,
      {
        hint: "give it the compose or docker driver, acting locally, in the agent's stack file",
      },
    );
  const options = {
    timeoutMs: Math.min(request.timeoutMs ?? IMAGE_TIMEOUT_MS[op], IMAGE_TIMEOUT_MS[op]),
    signal,
  };
  switch (op) {
    case 'running':
      return images.running(options);
    case 'side-by-side':
      return images.sideBySide(options);
    case 'pull':
      return { digest: await images.pull(request.reference as string, options) };
    case 'apply':
      return images.apply(request.digest as string, options);
    case 'prune':
      return images.prune(request.repository as string, request.keep ?? [], options);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(
          new DayshiftError('BODY_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (error) =>
      reject(new DayshiftError('BAD_REQUEST', 'the request broke off', { cause: error })),
    );
  });
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text).slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

function describe(address: AgentAddress): string {
  return 'socketPath' in address ? `unix:${address.socketPath}` : `${address.host}:${address.port}`;
}

/**
 * A socket file left by an agent that died is removed; one another agent still answers on, or a file
 * that is not a socket, is never touched.
 */
async function clearStaleSocket(file: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(file).isSocket();
  } catch {
    return;
  }
  const where = `unix:${file}`;
  if (!isSocket)
    throw new DayshiftError(
      'AGENT_LISTEN_REFUSED',
      `the agent will not listen on ${where}: a file that is not a socket is there`,
      {
        hint: 'give another path, or remove that file yourself',
      },
    );
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live)
    throw new DayshiftError('PORT_IN_USE', `another program already listens on ${where}`, {
      hint: 'stop the other agent, or give another --listen',
    });
  rmSync(file, { force: true });
}
