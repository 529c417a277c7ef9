import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import { anyObjectSchema as anyObject, nameParams, nameSchema } from '../http/schemas.js';
import type { JobQueue } from '../jobs/queue.js';
import { DEPLOY_RUN_KIND, type DeployRequest, type Deploys } from './deploys.js';
import { queueDeploy } from './jobs.js';

export interface DeployRoutesOptions {
  deploys: () => Deploys;
  queue: JobQueue;
}

function actorName(request: FastifyRequest): string {
  return request.token?.name ?? 'anonymous';
}

/**
 * `/api/v1/deploys`: deploy runs, newest first; starting a deploy of a service by image or ref, and a
 * rollback (operator): the run is opened at once (or refused, 409, naming the deploy going) and carried
 * out by a node's worker. Its steps and evidence are at `/api/v1/runs/:id`.
 */
export async function deployRoutes(app: FastifyInstance, options: DeployRoutesOptions): Promise<void> {
  const errors = { ...errorResponses, 409: errorResponseSchema };
  /** Opens the deploy or rollback for whoever asked and queues it: 202 with where to follow it. */
  const start = async (
    request: FastifyRequest,
    reply: FastifyReply,
    asked: Omit<DeployRequest, 'by'>,
  ): Promise<{ runId: number; job: { id: number }; url: string }> => {
    const by = actorName(request);
    const { runId, jobId } = await queueDeploy(
      options.deploys(),
      options.queue,
      { ...asked, by },
      `api:${by}`,
    );
    reply.code(202);
    return { runId, job: { id: jobId }, url: `/api/v1/runs/${runId}` };
  };

  app.get<{ Querystring: { service?: string; limit?: number } }>(
    '/deploys',
    {
      schema: {
        tags: ['deploys'],
        summary: 'Deploy and rollback runs, newest first, with the releases each recorded',
        querystring: {
          type: 'object',
          properties: { service: nameSchema, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { deploys: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const deploys = options.deploys();
      const runs = await deploys.runs.list({
        kinds: [DEPLOY_RUN_KIND],
        name: request.query.service,
        limit: request.query.limit ?? 50,
      });
      const out = [];
      for (const run of runs) out.push({ ...run, releases: await deploys.releases.ofRun(run.id) });
      return { deploys: out };
    },
  );

  app.post<{ Params: { name: string }; Body: { image?: string; ref?: string } | null }>(
    '/deploys/:name',
    {
      config: { role: 'operator', audit: 'deploy' },
      schema: {
        tags: ['deploys'],
        summary:
          'Deploy a service at an image (or a git ref); 202 with the run id, 409 naming the deploy going',
        params: nameParams,
        body: {
          type: ['object', 'null'],
          properties: { image: { type: 'string', minLength: 1 }, ref: { type: 'string', minLength: 1 } },
          additionalProperties: false,
        },
        response: { 202: anyObject, ...errors },
      },
    },
    (request, reply) =>
      start(request, reply, { service: request.params.name, action: 'deploy', ...(request.body ?? {}) }),
  );

  app.post<{ Params: { name: string }; Body: { to?: string } | null }>(
    '/deploys/:name/rollback',
    {
      config: { role: 'operator', audit: 'rollback' },
      schema: {
        tags: ['deploys'],
        summary: 'Roll a service back to its last known-good release, or the one `to` names',
        params: nameParams,
        body: {
          type: ['object', 'null'],
          properties: { to: { type: 'string', minLength: 1 } },
          additionalProperties: false,
        },
        response: { 202: anyObject, ...errors },
      },
    },
    (request, reply) =>
      start(request, reply, { service: request.params.name, action: 'rollback', to: request.body?.to }),
  );
}
