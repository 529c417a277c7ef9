import type { FastifyInstance } from 'fastify';
import { isPushed, pushCapabilityOf } from '../checks/registry.js';
import { DayshiftError } from '../errors.js';
import { historySeries } from '../history/queries.js';
import type { HistoryRetention } from '../history/retention.js';
import { errorResponseSchema } from '../http/error-schemas.js';
import { durationSchema, epochMsSchema } from '../http/schemas.js';
import { parseDuration } from '../schema/duration.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { LIMITS } from '../util/input-bounds.js';
import type { MonitoredCheck } from './configured-checks.js';
import type { Monitor } from './monitor.js';
import { checkStatuses, lastResult, recentSamples, transitionsSince } from './status.js';

export interface CheckRouteOptions {
  store: Store;
  monitor: Monitor;
  clock: Clock;
  retention?: HistoryRetention;
}

/** Pings shown with a heartbeat check: enough to see the last runs, with their bodies. */
const PINGS_SHOWN = 10;

const anyObject = { type: 'object', additionalProperties: true } as const;

const checkStatusSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    service: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    every: { type: 'integer', description: 'ms between runs' },
    state: { type: 'string', enum: ['unknown', 'starting', 'healthy', 'degraded', 'unhealthy', 'paused'] },
    since: { type: ['integer', 'null'] },
    lastAt: { type: ['integer', 'null'] },
    lastOutcome: { type: ['string', 'null'] },
    lastLatencyMs: { type: ['number', 'null'] },
    reason: {
      type: ['string', 'null'],
      description: 'the failing condition with its actual value, or the error',
    },
    failures: { type: 'integer' },
    successes: { type: 'integer' },
  },
} as const;

const idParams = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 2 * LIMITS.name + 1, description: '`service.check`' },
  },
  required: ['id'],
} as const;

/** `/api/v1/checks`: states, the last result, recent samples and transitions; run a check now. */
export async function checkRoutes(app: FastifyInstance, options: CheckRouteOptions): Promise<void> {
  const { store, monitor } = options;
  const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };
  const find = (id: string) => {
    const check = monitor.check(id);
    if (!check)
      throw new DayshiftError('CHECK_NOT_FOUND', `no check "${id}" in this stack file`, {
        hint: 'GET /api/v1/checks lists them; ids are service.check',
      });
    return check;
  };

  app.get(
    '/checks',
    {
      schema: {
        tags: ['checks'],
        summary: 'Every check with its current state and why it is red',
        response: {
          200: { type: 'object', properties: { checks: { type: 'array', items: checkStatusSchema } } },
          ...errors,
        },
      },
    },
    async () => ({ checks: await checkStatuses(store.db, monitor.checks) }),
  );

  app.get<{ Params: { id: string } }>(
    '/checks/:id',
    {
      schema: {
        tags: ['checks'],
        summary: 'One check: state, last result with each condition and its actual value, recent samples',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              check: checkStatusSchema,
              last: { ...anyObject, nullable: true },
              failing: { type: 'array', items: anyObject },
              samples: { type: 'array', items: anyObject },
              transitions: { type: 'array', items: anyObject },
              heartbeat: {
                type: 'object',
                nullable: true,
                properties: {
                  url: { type: 'string' },
                  start: { type: 'string' },
                  fail: { type: 'string' },
                  log: { type: 'string' },
                  slug: {
                    type: 'string',
                    description: 'the `/ping/<ping-key>/<slug>` form, when a ping key is set',
                  },
                  pings: {
                    type: 'array',
                    description: `the newest ${PINGS_SHOWN} pings, newest first, with their bodies`,
                    items: {
                      type: 'object',
                      properties: {
                        at: { type: 'integer' },
                        kind: { type: 'string', enum: ['success', 'fail', 'start', 'log'] },
                        exitStatus: { type: ['integer', 'null'] },
                        rid: { type: ['string', 'null'] },
                        method: { type: 'string' },
                        body: { type: 'string', description: 'at most 100 kB; secrets redacted' },
                        bodyBytes: { type: 'integer', description: 'the size sent' },
                        durationMs: {
                          type: ['integer', 'null'],
                          description: 'since the start it pairs with',
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const check = find(request.params.id);
      const [status] = await checkStatuses(store.db, [check]);
      const last = await lastResult(store.db, check.id);
      const token = isPushed(check.kind) ? await monitor.heartbeats.tokenOf(check.id) : undefined;
      const transitions = await transitionsSince(store.db, { checkId: check.id, limit: 1000 });
      return {
        check: status,
        last,
        failing: last?.conditions.filter((c) => !c.ok) ?? [],
        samples: await recentSamples(store.db, check.id, 50),
        transitions: transitions.slice(-20),
        heartbeat: token ? await heartbeatOf(monitor, check, token) : null,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from?: number; to?: number; step?: string } }>(
    '/checks/:id/history',
    {
      schema: {
        tags: ['checks'],
        summary: 'Rollups over a window: count, failures, uptime and latency percentiles per step',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            from: { ...epochMsSchema, description: 'epoch ms; default 24 h before `to`' },
            to: { ...epochMsSchema, description: 'epoch ms; default now' },
            step: {
              ...durationSchema,
              description: 'a duration of whole minutes (`5m`, `1h`, `1d`); default 1h',
            },
          },
        },
        response: { 200: anyObject, 400: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const check = find(request.params.id);
      const to = request.query.to ?? options.clock.now();
      const from = request.query.from ?? to - 86_400_000;
      const step = parseDuration(request.query.step ?? '1h');
      if (step === undefined)
        throw new DayshiftError('BAD_REQUEST', `step "${request.query.step}" is not a duration`, {
          hint: 'use whole minutes such as 5m, 1h or 1d',
        });
      return historySeries(
        store.db,
        check.id,
        { from, to, step },
        { clock: options.clock, retention: options.retention },
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/checks/:id/run',
    {
      config: { role: 'operator', audit: 'check.run' },
      schema: {
        tags: ['checks'],
        summary: 'Run a check now and record the run',
        params: idParams,
        response: {
          200: { type: 'object', properties: { result: anyObject, state: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const check = find(request.params.id);
      const [outcome] = await monitor.runNow([check]);
      return { result: outcome?.result, state: outcome?.state.state };
    },
  );
}

/** A heartbeat check's URLs and its newest pings. The ping key is a secret, so its URL names it only. */
async function heartbeatOf(monitor: Monitor, check: MonitoredCheck, token: string) {
  const slug = pushCapabilityOf(check.kind)?.slugUrl(check.options, check.name)?.slug;
  return {
    url: `/ping/${token}`,
    start: `/ping/${token}/start`,
    fail: `/ping/${token}/fail`,
    log: `/ping/${token}/log`,
    ...(slug === undefined ? {} : { slug: `/ping/<ping-key>/${slug}` }),
    pings: await monitor.heartbeats.recent(check.id, PINGS_SHOWN),
  };
}
