import type { FastifyPluginAsync } from 'fastify';
import { DayshiftError } from '../errors.js';
import { errorResponses } from '../http/error-schemas.js';
import { idParams, nameSchema } from '../http/schemas.js';
import { RELEASE_STATES } from './release.js';
import type { Releases } from './releases.js';

const nullableInteger = { type: ['integer', 'null'] } as const;

/** A release as the API answers it (src/deploys/release.ts Release). */
const releaseSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    service: { type: 'string' },
    kind: { type: 'string', enum: ['image', 'ref'] },
    target: { type: 'string', description: '`repo@sha256:<64 hex>`, or a full commit id' },
    requested: { type: 'string', description: 'the tag or ref as it was asked for' },
    action: { type: 'string', enum: ['deploy', 'rollback'] },
    runId: nullableInteger,
    state: { type: 'string', enum: [...RELEASE_STATES] },
    knownGood: { type: 'boolean' },
    createdBy: { type: 'string' },
    createdAt: { type: 'integer', description: 'epoch milliseconds' },
    appliedAt: { ...nullableInteger, description: 'when the target started running' },
    finishedAt: nullableInteger,
    previousId: { ...nullableInteger, description: 'the release live before it' },
    backup: {
      type: ['object', 'null'],
      properties: { backup: { type: 'string' }, snapshot: { type: 'string' } },
    },
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
  required: ['id', 'service', 'kind', 'target', 'state', 'knownGood', 'createdAt'],
} as const;

/**
 * `/api/v1/releases`: the releases of every service (or one), newest first, and one release with its
 * detail (gates, apply, verification, failure) and bound backup. Reading them is a viewer's.
 */
export function releasesRoutes(releases: Releases): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { service?: string; limit?: number } }>(
      '/releases',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['deploys'],
          summary: 'Releases (each deploy and rollback), newest first; `service` keeps one service’s',
          querystring: {
            type: 'object',
            properties: {
              service: nameSchema,
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            },
            additionalProperties: false,
          },
          response: {
            200: { type: 'object', properties: { releases: { type: 'array', items: releaseSchema } } },
            ...errorResponses,
          },
        },
      },
      async (request) => ({
        releases: await releases.list(request.query.service, { limit: request.query.limit }),
      }),
    );

    app.get<{ Params: { id: number } }>(
      '/releases/:id',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['deploys'],
          summary: 'One release with its detail and the backup bound to it',
          params: idParams,
          response: { 200: { type: 'object', properties: { release: releaseSchema } }, ...errorResponses },
        },
      },
      async (request) => {
        const release = await releases.get(request.params.id);
        if (!release)
          throw new DayshiftError('NOT_FOUND', `there is no release ${request.params.id}`, {
            hint: 'GET /api/v1/releases lists them',
          });
        return { release };
      },
    );
  };
}
