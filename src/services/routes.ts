import type { FastifyInstance } from 'fastify';
import type { StackConfig } from '../config/schema.js';
import { standingOf } from '../deploys/drift.js';
import type { Releases } from '../deploys/releases.js';
import { DayshiftError } from '../errors.js';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import { noteRequestRun } from '../http/request-run.js';
import { anyObjectSchema as anyObject, durationSchema, nameParams } from '../http/schemas.js';
import type { Runs } from '../runs/runs.js';
import { parseDuration } from '../schema/duration.js';
import type { Clock } from '../util/clock.js';
import { captureOptionsOf } from './acting.js';
import { RECORDED_ACTIONS, recordServiceAction } from './recorded-action.js';
import { serviceRunRoutes } from './run-routes.js';
import { ServiceHandle } from './service-control.js';

/** The stack file the node runs now (reloaded on SIGHUP), and where its relative paths start. */
export interface ServicesSource {
  current(): { config: StackConfig; baseDir: string };
  /** Aborts when the node stops. */
  signal: AbortSignal;
  /** Where each action is recorded as a run. */
  runs: Runs;
  clock: Clock;
  /** The releases deploys recorded, for where a service stands against its live one (drift). */
  releases: Releases;
}

/**
 * `/api/v1/services`: each service with its driver, what it supports and its status; acting on one
 * (operator), each action recorded as a run; its logs (operator: an application's logs can hold what a
 * viewer should not read) and its environment (admin: masked, but it still shows how the service is
 * configured); the runs of its actions. Actions run in this node's process, bounded by their timeouts.
 */
export async function serviceRoutes(app: FastifyInstance, source: ServicesSource): Promise<void> {
  const errors = { ...errorResponses, 409: errorResponseSchema, 502: errorResponseSchema };
  const handle = (name: string) => {
    const { config, baseDir } = source.current();
    return new ServiceHandle(config, baseDir, name);
  };
  // One service whose runtime does not answer (an Engine that is down) is `unknown` with why; the
  // others are still listed.
  const statusOf = (h: ServiceHandle) =>
    h.status(source.signal).catch((error: unknown) => {
      if (!(error instanceof DayshiftError)) throw error;
      return { state: 'unknown' as const, detail: `${error.code}: ${error.message}` };
    });
  const describe = async (h: ServiceHandle) => ({
    name: h.name,
    driver: h.driver,
    supports: h.supports,
    status: await statusOf(h),
  });

  app.get(
    '/services',
    {
      schema: {
        tags: ['services'],
        summary: 'Every service with its driver, the actions it supports and its status',
        response: {
          200: { type: 'object', properties: { services: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async () => {
      const { config } = source.current();
      return { services: await Promise.all(Object.keys(config.services).map((n) => describe(handle(n)))) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary:
          "One service's driver, the actions it supports, its status, and its live release (with drift: what runs is not what Dayshift deployed)",
        params: nameParams,
        response: { 200: { type: 'object', properties: { service: anyObject } }, ...errors },
      },
    },
    async (request) => {
      const h = handle(request.params.name);
      const { config, baseDir } = source.current();
      const release = await standingOf(h, source.releases, config, baseDir);
      return { service: { ...(await describe(h)), release: release ?? null } };
    },
  );

  for (const action of RECORDED_ACTIONS)
    app.post<{ Params: { name: string }; Body: { replicas?: number } | null }>(
      `/services/:name/${action}`,
      {
        config: { role: 'operator', audit: `service.${action}` },
        schema: {
          tags: ['services'],
          summary:
            action === 'scale'
              ? 'Set the number of replicas through the driver (`replicas` in the body)'
              : `${action[0]?.toUpperCase()}${action.slice(1)} the service through its driver, recorded as a run (with its logs kept first when it ends what the service runs), and answer when it is done`,
          params: nameParams,
          body:
            action === 'scale'
              ? {
                  type: 'object',
                  properties: { replicas: { type: 'integer', minimum: 0, maximum: 10_000 } },
                  required: ['replicas'],
                  additionalProperties: false,
                }
              : { type: ['object', 'null'], additionalProperties: false },
          response: { 200: anyObject, ...errors },
        },
      },
      async (request) => {
        const { name } = request.params;
        let opened: number | undefined;
        try {
          const { runId, outcome } = await recordServiceAction(
            source,
            handle(name),
            action,
            { replicas: request.body?.replicas, signal: source.signal },
            {
              trigger: 'api',
              capture: captureOptionsOf(source.current().config, name),
              opened: (id) => {
                opened = id;
                noteRequestRun(request, id);
              },
            },
          );
          return { service: name, runId, ...outcome };
        } catch (error) {
          // The error answer has no room for the run; its hint says where the logs kept before are.
          if (opened === undefined || !(error instanceof DayshiftError)) throw error;
          const where = `run ${opened} records it: GET /api/v1/services/${name}/runs/${opened}`;
          throw new DayshiftError(error.code, error.message, {
            hint: error.hint ? `${error.hint}\n${where}` : where,
            cause: error,
          });
        }
      },
    );

  app.get<{ Params: { name: string }; Querystring: { since?: string; tail?: number } }>(
    '/services/:name/logs',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['services'],
        summary: "The service's recent logs through its driver: the last `tail` lines (200), since `since`",
        params: nameParams,
        querystring: {
          type: 'object',
          properties: { since: durationSchema, tail: { type: 'integer', minimum: 1, maximum: 10_000 } },
          additionalProperties: false,
        },
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      const { since, tail } = request.query;
      const sinceMs = since === undefined ? undefined : parseDuration(since);
      if (since !== undefined && (sinceMs === undefined || sinceMs <= 0))
        throw new DayshiftError('BAD_REQUEST', `since must be a duration such as 15m, got ${since}`);
      const outcome = await handle(request.params.name).act('logs', { sinceMs, tail, signal: source.signal });
      return { service: request.params.name, ...outcome };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/services/:name/env',
    {
      config: { role: 'admin', audit: 'service.env' },
      schema: {
        tags: ['services'],
        summary: "The service's environment through its driver, secret values masked",
        params: nameParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => ({
      service: request.params.name,
      ...(await handle(request.params.name).act('env', { signal: source.signal })),
    }),
  );

  await serviceRunRoutes(app, { runs: source.runs, exists: (name) => handle(name).name });
}
