import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../../access/tokens.js';
import { errorResponseSchema, errorResponses } from '../../http/error-schemas.js';
import { nameParams, nameSchema, tokenSchema } from '../../http/schemas.js';

/** Token management: admin only. A created token is in the response once and never again. */
export async function tokenRoutes(app: FastifyInstance, options: { tokens: TokenService }): Promise<void> {
  const { tokens } = options;
  const errors = errorResponses;

  app.get(
    '/api/v1/tokens',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['access'],
        summary: 'List API tokens (never their values)',
        response: {
          200: { type: 'object', properties: { tokens: { type: 'array', items: tokenSchema } } },
          ...errors,
        },
      },
    },
    async () => ({ tokens: await tokens.list() }),
  );

  app.post<{ Body: { name: string; role: string } }>(
    '/api/v1/tokens',
    {
      config: { role: 'admin', audit: 'token.create' },
      schema: {
        tags: ['access'],
        summary: 'Create an API token; the response is the only place its value appears',
        body: {
          type: 'object',
          properties: {
            name: nameSchema,
            role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
          },
          required: ['name', 'role'],
          additionalProperties: false,
        },
        response: {
          201: { type: 'object', properties: { token: { type: 'string' }, record: tokenSchema } },
          ...errors,
          409: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const created = await tokens.create(request.body);
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/tokens/:name',
    {
      config: { role: 'admin', audit: 'token.revoke' },
      schema: {
        tags: ['access'],
        summary: 'Revoke a token by name or id',
        params: nameParams,
        response: { 200: { type: 'object', properties: { record: tokenSchema } }, ...errors },
      },
    },
    async (request) => ({ record: await tokens.revoke(request.params.name) }),
  );
}
