import type { FastifyInstance } from 'fastify';
import { DayshiftError } from '../errors.js';
import { errorResponses } from '../http/error-schemas.js';
import { anyObjectSchema as anyObject, idSchema, nameParams, nameSchema } from '../http/schemas.js';
import type { Runs } from '../runs/runs.js';
import { SERVICE_RUN_KIND } from './recorded-action.js';

/**
 * `/api/v1/services/:name/runs`: the runs of the actions taken on a service, each with its step, and
 * their evidence: the list for a viewer, an item's content (the service's own logs) for an operator,
 * like `GET /services/:name/logs`.
 */
export async function serviceRunRoutes(
  app: FastifyInstance,
  source: { runs: Runs; exists(name: string): string },
): Promise<void> {
  const { runs } = source;
  const errors = errorResponses;

  /** A run of an action on this service, or NOT_FOUND: another service's or kind's run is not reachable here. */
  const runOf = async (name: string, id: number) => {
    source.exists(name);
    const run = await runs.get(id);
    if (!run || run.name !== name || run.kind !== SERVICE_RUN_KIND)
      throw new DayshiftError('NOT_FOUND', `service ${name} has no run ${id}`, {
        hint: `GET /api/v1/services/${name}/runs lists them`,
      });
    return run;
  };
  const runParams = {
    type: 'object',
    properties: { name: nameSchema, id: idSchema },
    required: ['name', 'id'],
  } as const;

  app.get<{ Params: { name: string }; Querystring: { limit?: number; before?: number } }>(
    '/services/:name/runs',
    {
      schema: {
        tags: ['services'],
        summary: 'The runs of the actions taken on a service (restart, stop, ...), newest first',
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            before: { ...idSchema, description: 'page: only runs with a smaller id' },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { runs: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      source.exists(name);
      const { limit, before } = request.query;
      return { runs: await runs.list({ kinds: [SERVICE_RUN_KIND], name, limit, beforeId: before }) };
    },
  );

  app.get<{ Params: { name: string; id: number } }>(
    '/services/:name/runs/:id',
    {
      schema: {
        tags: ['services'],
        summary: 'One run of an action on a service, with its step: outcome, time and result',
        params: runParams,
        response: { 200: { type: 'object', properties: { run: anyObject } }, ...errors },
      },
    },
    async (request) => ({ run: await runOf(request.params.name, request.params.id) }),
  );

  app.get<{ Params: { name: string; id: number } }>(
    '/services/:name/runs/:id/evidence',
    {
      schema: {
        tags: ['services'],
        summary:
          "A run's evidence (the logs kept before acting), without contents: name, kind, step, size, SHA-256, truncated",
        params: runParams,
        response: {
          200: { type: 'object', properties: { evidence: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const run = await runOf(request.params.name, request.params.id);
      return { evidence: await runs.evidence(run.id) };
    },
  );

  app.get<{ Params: { name: string; id: number; item: number } }>(
    '/services/:name/runs/:id/evidence/:item',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['services'],
        summary:
          "One item of a run's evidence with its content (the service's logs: secrets scrubbed, bounded)",
        params: {
          type: 'object',
          properties: { name: nameSchema, id: idSchema, item: idSchema },
          required: ['name', 'id', 'item'],
        },
        response: { 200: { type: 'object', properties: { evidence: anyObject } }, ...errors },
      },
    },
    async (request) => {
      const { name, id, item } = request.params;
      const run = await runOf(name, id);
      const evidence = await runs.evidenceItem(run.id, item);
      if (!evidence)
        throw new DayshiftError('NOT_FOUND', `run ${id} of service ${name} has no evidence ${item}`, {
          hint: `GET /api/v1/services/${name}/runs/${id}/evidence lists it`,
        });
      return { evidence };
    },
  );
}
