import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAudit } from '../audit/audit-log.js';
import { resultOf, tokenActor } from '../audit/entry.js';
import { requestRun } from '../http/request-run.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The audit action this route performs (`silence.create`): every answer to it with a valid token,
     * refusals and failures included, appends one audit entry (src/audit/).
     */
    audit?: string;
  }
}

/** The error a request ended with, kept for its audit entry (onSend sees only the serialised body). */
const failures = new WeakMap<FastifyRequest, unknown>();

/**
 * One place records every API action: a route declares `config: { audit: '<action>' }` and this hook
 * appends the entry before the answer leaves, with the token as actor, the route's parameters and
 * body as params (scrubbed), the result, and the run or job the answer names (or the run the route
 * noted with `noteRequestRun`, which a failed action's error answer does not carry). A request without a
 * valid token is not recorded: anyone could fill the log with those.
 */
export function installAuditHook(app: FastifyInstance, deps: { store: Store; clock: Clock; logger: Logger }) {
  app.addHook('onError', async (request, _reply, error) => {
    failures.set(request, error);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const action = request.routeOptions.config.audit;
    if (!action || request.is404) return payload;
    const tokenName = request.token?.name;
    if (!tokenName) return payload;
    const answer = parsed(payload);
    const ok = reply.statusCode < 300;
    const params = {
      ...asRecord(request.params),
      ...asRecord(request.body),
      ...(ok && answer?.job?.id !== undefined ? { job: answer.job.id } : {}),
    };
    try {
      await appendAudit(deps.store.db, {
        at: deps.clock.now(),
        actor: tokenActor(tokenName),
        action,
        target: targetOf(request, ok ? answer : undefined),
        params,
        result: resultFrom(reply.statusCode, answer, failures.get(request)),
        // A run the route noted names the entry also when the action failed after opening it.
        runId: (ok ? (answer?.runId ?? answer?.run?.id) : undefined) ?? requestRun(request),
      });
    } catch (error) {
      // The action has happened; its answer still goes out, and the lost entry is logged loudly.
      deps.logger.error(
        { err: error, action, actor: tokenActor(tokenName) },
        'could not append to the audit log',
      );
    }
    return payload;
  });
}

interface Answer {
  /** The house error body (src/server/http-errors.ts). */
  error?: { code?: string; message?: string };
  runId?: number;
  run?: { id?: number };
  job?: { id?: number };
  [key: string]: unknown;
}

/**
 * A 4xx is a refusal named by the answer's code, whatever raised it (a schema's 400 included); a 5xx
 * is a failure with the error's own message, scrubbed.
 */
function resultFrom(status: number, answer: Answer | undefined, failure: unknown): string {
  if (status < 400) return 'ok';
  if (status < 500) return `refused: ${answer?.error?.code ?? status}`;
  return resultOf(failure ?? new Error(answer?.error?.message ?? `answered ${status}`));
}

function parsed(payload: unknown): Answer | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const value = JSON.parse(payload) as unknown;
    return value && typeof value === 'object' ? (value as Answer) : undefined;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What the action was on: the route's name or id, the body's name or kind, or what the answer created. */
function targetOf(request: FastifyRequest, answer: Answer | undefined): string | undefined {
  const params = asRecord(request.params);
  const body = asRecord(request.body);
  for (const value of [params.name, params.id, body.name, body.kind])
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  for (const created of Object.values(answer ?? {})) {
    const id = asRecord(created).id;
    if (typeof id === 'number' || typeof id === 'string') return String(id);
  }
  return undefined;
}
