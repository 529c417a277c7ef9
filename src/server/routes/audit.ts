import type { FastifyInstance } from 'fastify';
import { AUDIT_MAX_LIMIT, listAudit } from '../../audit/audit-log.js';
import { timeOf } from '../../audit/time-filter.js';
import { errorResponses } from '../../http/error-schemas.js';
import { idSchema, nameSchema } from '../../http/schemas.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import { LIMITS } from '../../util/input-bounds.js';

const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'integer' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    params: { type: 'object', additionalProperties: true },
    result: { type: 'string' },
    runId: { type: ['integer', 'null'] },
  },
} as const;

const timeSchema = {
  type: 'string',
  maxLength: 50,
  description: 'epoch milliseconds, or a duration before now such as 1h or 7d',
} as const;

/**
 * `GET /api/v1/audit`: admin only, because entries name every token and what it did, and token
 * names are an admin's to read (`GET /api/v1/tokens` is admin only too).
 */
export async function auditRoutes(
  app: FastifyInstance,
  options: { store: Store; clock: Clock },
): Promise<void> {
  app.get<{
    Querystring: {
      actor?: string;
      action?: string;
      target?: string;
      since?: string;
      until?: string;
      limit?: number;
      before?: number;
    };
  }>(
    '/api/v1/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['access'],
        summary:
          'The audit log, newest first: who did what to what, with which (scrubbed) parameters, the result and the run it started',
        querystring: {
          type: 'object',
          properties: {
            actor: {
              type: 'string',
              maxLength: LIMITS.name * 4,
              description: 'token:<name> or cli:<user>@<host>',
            },
            action: {
              ...nameSchema,
              description: 'an action (`backup.restore`), or a prefix ending in `.` or `*` (`backup.*`)',
            },
            target: { type: 'string', maxLength: LIMITS.name * 4 },
            since: timeSchema,
            until: timeSchema,
            limit: { type: 'integer', minimum: 1, maximum: AUDIT_MAX_LIMIT },
            before: { ...idSchema, description: 'only entries with a smaller id (paging)' },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { entries: { type: 'array', items: auditEntrySchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { since, until, ...rest } = request.query;
      const now = options.clock.now();
      return {
        entries: await listAudit(options.store.db, {
          ...rest,
          since: timeOf(since, 'since', now),
          until: timeOf(until, 'until', now),
        }),
      };
    },
  );
}
