import { request as httpRequest, type RequestOptions } from 'node:http';
import path from 'node:path';
import { DayshiftError, ERROR_TABLE, type ErrorCode } from '../../errors.js';
import { scrubSecrets } from '../../schema/secret.js';
import type {
  ActionOptions,
  ActionResult,
  ApplyResult,
  EnvVariable,
  ImageReleases,
  ServiceAction,
  ServiceControl,
  ServiceLogs,
  ServiceStatus,
  ServiceTarget,
} from '../types.js';
import type { AgentOptions } from './agent-options.js';
import { signedHeaders } from './agent-signature.js';

/** The most an agent's answer may hold: logs are the largest, bounded to 256 KiB by the drivers. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** Beyond the action's own timeout, what the round trip to the agent may add. */
const SLACK_MS = 5_000;

/** The longest an agent lets one request run (docs/agent.md): a longer timeout is capped here first. */
const MAX_TIMEOUT_MS = 1_800_000;

/**
 * The image deploy operations an agent takes, each the last part of its path
 * (`/v1/services/<service>/images/<op>`): the five methods of `ImageReleases`.
 */
export const AGENT_IMAGE_OPS = ['running', 'pull', 'side-by-side', 'apply', 'prune'] as const;
export type AgentImageOp = (typeof AGENT_IMAGE_OPS)[number];

/** What one image operation asks of the agent besides its name: the body of the signed request. */
export interface AgentImageRequest {
  timeoutMs: number;
  /** pull: the image reference to pull and resolve to its digest. */
  reference?: string;
  /** apply: the repository digest (`repo@sha256:…`) to run the service at. */
  digest?: string;
  /** prune: the repository whose images to remove, and the digests to keep. */
  repository?: string;
  keep?: string[];
}

/** What one action asks of the agent besides its name: the body of the signed request. */
interface AgentRequest {
  timeoutMs: number;
  replicas?: number;
  sinceMs?: number;
  tail?: number;
}

/**
 * A service's control through `dayshift agent`: every action is one signed POST to
 * `/v1/services/<service>/<action>` (docs/agent.md), and the agent's answer, or its error with the
 * same code, comes back as if the driver had run here. Its image deploys (`images`) are signed POSTs
 * to `/v1/services/<service>/images/<op>` the same way; only a driver that runs containers offers
 * them to its callers (ServiceHandle.images).
 */
export function agentControl(target: ServiceTarget, agent: AgentOptions): ServiceControl {
  const send = async (
    action: ServiceAction,
    options: ActionOptions,
    extra: Omit<AgentRequest, 'timeoutMs'> = {},
  ) => {
    const body = JSON.stringify({ timeoutMs: options.timeoutMs, ...extra });
    const answer = await post(
      agent,
      target.baseDir,
      `/v1/services/${encodeURIComponent(target.service)}/${action}`,
      body,
      options,
    );
    return (answer as { outcome: Record<string, unknown> }).outcome;
  };
  const sendImages = async (
    op: AgentImageOp,
    options: ActionOptions,
    extra: Omit<AgentImageRequest, 'timeoutMs'> = {},
  ) => {
    // The agent refuses a timeout past its bound rather than guess; a longer one is capped here.
    const timeoutMs = Math.max(1, Math.min(Math.floor(options.timeoutMs), MAX_TIMEOUT_MS));
    const body = JSON.stringify({ timeoutMs, ...extra });
    const answer = await post(
      agent,
      target.baseDir,
      `/v1/services/${encodeURIComponent(target.service)}/images/${op}`,
      body,
      options,
    );
    return (answer as { outcome: Record<string, unknown> }).outcome;
  };
  const images: ImageReleases = {
    running: async (o) =>
      (await sendImages('running', o)) as { digest?: string; image?: string; detail: string },
    pull: async (reference, o) => (await sendImages('pull', o, { reference })).digest as string,
    sideBySide: async (o) => (await sendImages('side-by-side', o)) as { possible: boolean; why: string },
    apply: async (digest, o) => (await sendImages('apply', o, { digest })) as unknown as ApplyResult,
    prune: async (repository, keep, o) =>
      (await sendImages('prune', o, { repository, keep: [...keep] })) as { removed: string[] },
  };
  return {
    images,
    status: async (o) => (await send('status', o)).status as ServiceStatus,
    start: async (o) => (await send('start', o)).result as ActionResult,
    stop: async (o) => (await send('stop', o)).result as ActionResult,
    restart: async (o) => (await send('restart', o)).result as ActionResult,
    rebuild: async (o) => (await send('rebuild', o)).result as ActionResult,
    redeploy: async (o) => (await send('redeploy', o)).result as ActionResult,
    scale: async (o) => (await send('scale', o, { replicas: o.replicas })).result as ActionResult,
    logs: async (o) => (await send('logs', o, { sinceMs: o.sinceMs, tail: o.tail })).logs as ServiceLogs,
    env: async (o) => (await send('env', o)).env as EnvVariable[],
  };
}

/** Where a request goes: a unix socket (relative to the stack file's folder) or host and port. */
function endpointOf(url: string, baseDir: string): RequestOptions {
  if (url.startsWith('unix:')) return { socketPath: path.resolve(baseDir, url.slice('unix:'.length)) };
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 80) };
}

/** One signed request and its JSON answer; an error answer is thrown with the agent's code. */
function post(agent: AgentOptions, baseDir: string, pathname: string, body: string, options: ActionOptions) {
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...signedHeaders(agent.token.reveal(), { method: 'POST', path: pathname, body }),
  };
  const unavailable = (message: string, cause?: unknown) =>
    new DayshiftError('AGENT_UNAVAILABLE', `the dayshift agent at ${agent.url} ${message}`, {
      hint: 'start it with `dayshift agent` on that machine, or correct the `agent: { url }` of the driver',
      cause,
    });
  return new Promise<unknown>((resolve, reject) => {
    const req = httpRequest(
      {
        ...endpointOf(agent.url, baseDir),
        method: 'POST',
        path: pathname,
        headers,
        timeout: options.timeoutMs + SLACK_MS,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(unavailable(`answered more than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => reject(unavailable('broke off its answer', error)));
        res.on('end', () => {
          let answer: { outcome?: unknown; error?: { code?: string; message?: string; hint?: string } };
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (error) {
            reject(unavailable(`answered ${res.statusCode} with something that is not JSON`, error));
            return;
          }
          if (res.statusCode === 200 && answer.outcome) return resolve(answer);
          const code = answer.error?.code;
          if (!code || !(code in ERROR_TABLE)) {
            reject(unavailable(`answered ${res.statusCode} without an error code: is it a dayshift agent?`));
            return;
          }
          reject(
            new DayshiftError(
              code as ErrorCode,
              `${scrubSecrets(answer.error?.message ?? code)} (agent at ${agent.url})`,
              {
                hint: answer.error?.hint,
              },
            ),
          );
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(unavailable(`did not answer within ${options.timeoutMs + SLACK_MS} ms`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof DayshiftError) reject(error);
      else if (options.signal?.aborted)
        reject(
          new DayshiftError('SERVICE_ACTION_FAILED', 'the action was stopped before the agent answered', {
            hint: 'the agent stops the action too when the request is abandoned',
            cause: error,
          }),
        );
      else reject(unavailable(`does not answer (${error.code ?? error.message})`, error));
    });
    req.end(body);
  });
}
