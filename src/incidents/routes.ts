import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenActor } from '../audit/entry.js';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import { anyObjectSchema as anyObject, idParams, nameSchema, textSchema } from '../http/schemas.js';
import { LIMITS } from '../util/input-bounds.js';
import { incidentDetail, reportOf } from './detail.js';
import type { Incidents } from './incidents.js';
import { INCIDENT_STATUSES, type IncidentStatus } from './types.js';

/** Text someone writes: an update, a note, a message; never empty. */
const writtenSchema = { ...textSchema, minLength: 1 } as const;

const incidentAnswer = { type: 'object', properties: { incident: anyObject } } as const;

/** Who acts, as the timeline and the audit log name them: the token. */
function actorOf(request: FastifyRequest): string {
  return tokenActor(request.token?.name ?? 'anonymous');
}

/**
 * `/api/v1/incidents`: reading them (viewer), and every change an operator makes (open, acknowledge,
 * assign, severity, a public update, an internal note, resolve), each in the audit log with the
 * incident's id as its target. Changes go through `Incidents`, so they are the same as the CLI's.
 */
export async function incidentRoutes(app: FastifyInstance, options: { incidents: Incidents }): Promise<void> {
  const { incidents } = options;
  const errors = { ...errorResponses, 409: errorResponseSchema };

  app.get<{ Querystring: { state?: 'open' | 'resolved' | 'all'; service?: string; limit?: number } }>(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Incidents, newest first: open ones by default, `state=resolved` or `all`; `service` keeps those on one service',
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' },
            service: nameSchema,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { incidents: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => ({ incidents: await incidents.list(request.query) }),
  );

  app.get<{ Params: { id: number } }>(
    '/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'One incident with its whole timeline (internal notes included) and its communication rendered from the template',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              incident: anyObject,
              timeline: { type: 'array', items: anyObject },
              communication: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => incidentDetail(incidents, request.params.id),
  );

  app.get<{ Params: { id: number }; Querystring: { format?: 'markdown' | 'json' } }>(
    '/incidents/:id/report',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'The post-incident report as Markdown (text/markdown); `format=json` answers its figures (MTTA, MTTR, deadlines, escalations, runs)',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: ['markdown', 'json'], default: 'markdown' } },
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const report = await reportOf(incidents, request.params.id);
      if (request.query.format === 'json') return reply.send({ report: report.figures });
      return reply.type('text/markdown; charset=utf-8').send(report.markdown);
    },
  );

  app.post<{
    Body: {
      title: string;
      severity: string;
      services?: string[];
      impact?: string;
      eta?: string;
      message?: string;
    };
  }>(
    '/incidents',
    {
      config: { role: 'operator', audit: 'incident.open' },
      schema: {
        tags: ['incidents'],
        summary:
          "Open an incident: its deadlines start and its first public update goes to the severity's notifiers; 201",
        body: {
          type: 'object',
          required: ['title', 'severity'],
          properties: {
            title: nameSchema,
            severity: { ...nameSchema, description: 'one of `incidents.severities`' },
            services: { type: 'array', maxItems: LIMITS.items, items: nameSchema },
            impact: textSchema,
            eta: textSchema,
            message: { ...writtenSchema, description: 'the first public update; the title when absent' },
          },
          additionalProperties: false,
        },
        response: { 201: incidentAnswer, ...errors },
      },
    },
    async (request, reply) => {
      const incident = await incidents.open({ ...request.body, actor: actorOf(request) });
      return reply.code(201).send({ incident });
    },
  );

  app.post<{ Params: { id: number } }>(
    '/incidents/:id/ack',
    {
      config: { role: 'operator', audit: 'incident.ack' },
      schema: {
        tags: ['incidents'],
        summary: 'Acknowledge: the escalation stops; the token becomes the assignee if there is none',
        params: idParams,
        body: { type: ['object', 'null'], additionalProperties: false },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({ incident: await incidents.acknowledge(request.params.id, actorOf(request)) }),
  );

  app.post<{ Params: { id: number }; Body: { person: string } }>(
    '/incidents/:id/assign',
    {
      config: { role: 'operator', audit: 'incident.assign' },
      schema: {
        tags: ['incidents'],
        summary: 'Assign the incident to someone',
        params: idParams,
        body: {
          type: 'object',
          required: ['person'],
          properties: { person: nameSchema },
          additionalProperties: false,
        },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({
      incident: await incidents.assign(request.params.id, request.body.person, actorOf(request)),
    }),
  );

  app.post<{ Params: { id: number }; Body: { severity: string } }>(
    '/incidents/:id/severity',
    {
      config: { role: 'operator', audit: 'incident.severity' },
      schema: {
        tags: ['incidents'],
        summary: 'Change the severity (one of `incidents.severities`)',
        params: idParams,
        body: {
          type: 'object',
          required: ['severity'],
          properties: { severity: nameSchema },
          additionalProperties: false,
        },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({
      incident: await incidents.setSeverity(request.params.id, request.body.severity, actorOf(request)),
    }),
  );

  app.post<{
    Params: { id: number };
    Body: { text: string; status?: IncidentStatus; impact?: string; eta?: string };
  }>(
    '/incidents/:id/updates',
    {
      config: { role: 'operator', audit: 'incident.update' },
      schema: {
        tags: ['incidents'],
        summary:
          "Post a public status update (status page, the incident's notifiers), moving it to `status` if given (`resolved` resolves it)",
        params: idParams,
        body: {
          type: 'object',
          required: ['text'],
          properties: {
            text: writtenSchema,
            status: { type: 'string', enum: [...INCIDENT_STATUSES] },
            impact: textSchema,
            eta: textSchema,
          },
          additionalProperties: false,
        },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({
      incident: await incidents.update(request.params.id, { ...request.body, actor: actorOf(request) }),
    }),
  );

  app.post<{ Params: { id: number }; Body: { text: string } }>(
    '/incidents/:id/notes',
    {
      config: { role: 'operator', audit: 'incident.note' },
      schema: {
        tags: ['incidents'],
        summary: 'Add an internal note: on the timeline and in the report, never on the status page or sent',
        params: idParams,
        body: {
          type: 'object',
          required: ['text'],
          properties: { text: writtenSchema },
          additionalProperties: false,
        },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({
      incident: await incidents.note(request.params.id, request.body.text, actorOf(request)),
    }),
  );

  app.post<{ Params: { id: number }; Body: { text?: string } | null }>(
    '/incidents/:id/resolve',
    {
      config: { role: 'operator', audit: 'incident.resolve' },
      schema: {
        tags: ['incidents'],
        summary: 'Resolve, with a last public update (`Resolved.` when no text is given)',
        params: idParams,
        body: {
          type: ['object', 'null'],
          properties: { text: writtenSchema },
          additionalProperties: false,
        },
        response: { 200: incidentAnswer, ...errors },
      },
    },
    async (request) => ({
      incident: await incidents.resolve(request.params.id, {
        text: request.body?.text,
        actor: actorOf(request),
      }),
    }),
  );
}
