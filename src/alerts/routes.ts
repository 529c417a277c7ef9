import type { FastifyInstance } from 'fastify';
import { DayshiftError } from '../errors.js';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import {
  anyObjectSchema as anyObject,
  durationSchema,
  epochMsSchema,
  expressionSchema,
  idParams,
  idSchema,
  nameSchema,
  textSchema,
} from '../http/schemas.js';
import { parseDuration } from '../schema/duration.js';
import { checkDuration, LIMITS } from '../util/input-bounds.js';
import type { Alerting } from './alerting.js';
import { alertDetail, listAlerts } from './queries.js';
import { parseMatcher } from './silences.js';

function durationOf(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new DayshiftError('BAD_REQUEST', `${what} "${text}" is not a duration`, {
      hint: 'write for example 30m, 2h or 1d',
    });
  return checkDuration(ms, `${what} "${text}"`);
}

/** `/api/v1/alerts`, `/api/v1/silences`, `/api/v1/maintenance`. */
export async function alertRoutes(app: FastifyInstance, options: { alerting: Alerting }): Promise<void> {
  const { alerting } = options;
  const { db, clock } = alerting;
  const errors = errorResponses;

  app.get<{ Querystring: { state?: string; limit?: number; before?: number } }>(
    '/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'Alerts, newest first, each with its `origin` (check, rule, missed, backup, delivery); `state=firing` (or pending, resolved, open) filters',
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['pending', 'firing', 'resolved', 'open'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            before: { ...idSchema, description: 'only alerts with a smaller id (paging)' },
          },
        },
        response: {
          200: { type: 'object', properties: { alerts: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const state = request.query.state;
      const states =
        state === 'open' ? (['pending', 'firing'] as const) : state ? [state as 'firing'] : undefined;
      return {
        alerts: await listAlerts(db, {
          states: states ? [...states] : undefined,
          limit: request.query.limit,
          beforeId: request.query.before,
        }),
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its timeline and every notification and delivery about it',
        params: idParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      const detail = await alertDetail(db, request.params.id);
      if (!detail)
        throw new DayshiftError('ALERT_NOT_FOUND', `no alert #${request.params.id}`, {
          hint: 'GET /api/v1/alerts lists them',
        });
      return detail;
    },
  );

  app.post<{ Params: { id: number }; Body: { comment?: string } | undefined }>(
    '/alerts/:id/ack',
    {
      config: { role: 'operator', audit: 'alert.ack' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an open alert: its reminders stop',
        params: idParams,
        body: {
          type: 'object',
          nullable: true,
          properties: { comment: textSchema },
          additionalProperties: false,
        },
        response: { 200: anyObject, 409: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const by = request.token?.name ?? 'api';
      const result = await alerting.acknowledge(request.params.id, by, request.body?.comment);
      if (result === undefined)
        throw new DayshiftError('ALERT_NOT_FOUND', `no alert #${request.params.id}`, {
          hint: 'GET /api/v1/alerts lists them',
        });
      if (result === 'not-open')
        throw new DayshiftError('ALERT_STATE_CONFLICT', `alert #${request.params.id} is resolved`, {
          hint: 'only open alerts can be acknowledged',
        });
      return { alert: result };
    },
  );

  app.get<{ Querystring: { all?: boolean } }>(
    '/silences',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Silences that have not expired (`all=true` for expired ones too)',
        querystring: { type: 'object', properties: { all: { type: 'boolean' } } },
        response: {
          200: { type: 'object', properties: { silences: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => ({ silences: await alerting.silences.list(clock.now(), { all: request.query.all }) }),
  );

  app.post<{
    Body: { matchers: string[]; duration?: string; starts_at?: number; ends_at?: number; comment?: string };
  }>(
    '/silences',
    {
      config: { role: 'operator', audit: 'silence.create' },
      schema: {
        tags: ['alerts'],
        summary:
          'Silence the alerts that match every matcher (`service=backend`, `origin=missed`, `alertname=~api-.*`) until it expires',
        body: {
          type: 'object',
          required: ['matchers'],
          properties: {
            matchers: {
              type: 'array',
              minItems: 1,
              maxItems: LIMITS.items,
              items: expressionSchema,
              description:
                "label=value, label!=value, label=~regex or label!~regex over service, check, severity, origin, alertname, key and the alert's own labels; `source`, the origin's old name, is refused",
            },
            duration: { ...durationSchema, description: 'how long from starts_at (default now), e.g. 2h' },
            starts_at: epochMsSchema,
            ends_at: epochMsSchema,
            comment: textSchema,
          },
          additionalProperties: false,
        },
        response: { 201: anyObject, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const now = clock.now();
      const startsAt = body.starts_at ?? now;
      const length = durationOf(body.duration, 'duration');
      const endsAt = body.ends_at ?? (length !== undefined ? startsAt + length : undefined);
      if (endsAt === undefined)
        throw new DayshiftError('BAD_REQUEST', 'a silence needs an end', {
          hint: 'give duration (e.g. "2h") or ends_at',
        });
      const silence = await alerting.silences.create(
        {
          matchers: body.matchers.map(parseMatcher),
          startsAt,
          endsAt,
          createdBy: request.token?.name ?? 'api',
          comment: body.comment,
        },
        now,
      );
      return reply.code(201).send({ silence });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/silences/:id',
    {
      config: { role: 'operator', audit: 'silence.expire' },
      schema: {
        tags: ['alerts'],
        summary: 'Expire a silence now',
        params: idParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      if (!(await alerting.silences.expire(request.params.id, clock.now())))
        throw new DayshiftError('NOT_FOUND', `no active silence #${request.params.id}`, {
          hint: 'GET /api/v1/silences lists the active ones',
        });
      return { expired: request.params.id };
    },
  );

  app.get<{ Querystring: { within?: string } }>(
    '/maintenance',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'Maintenance windows open now or starting within `within` (default 7d), from the file and the API',
        querystring: { type: 'object', properties: { within: durationSchema } },
        response: {
          200: { type: 'object', properties: { windows: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const horizon = durationOf(request.query.within, 'within') ?? 7 * 86_400_000;
      const now = clock.now();
      const windows = await alerting.calendar.upcoming(now, horizon);
      return { windows: windows.map((w) => ({ ...w, active: w.startsAt <= now && now < w.endsAt })) };
    },
  );

  app.post<{
    Body: { name: string; duration: string; starts_at?: number; services?: string[]; description?: string };
  }>(
    '/maintenance',
    {
      config: { role: 'operator', audit: 'maintenance.create' },
      schema: {
        tags: ['alerts'],
        summary: 'A one-off maintenance window: notifications for its services (or all) are held back',
        body: {
          type: 'object',
          required: ['name', 'duration'],
          properties: {
            name: nameSchema,
            duration: durationSchema,
            starts_at: { ...epochMsSchema, description: 'epoch ms; default now' },
            services: {
              type: 'array',
              maxItems: LIMITS.items,
              items: nameSchema,
              description: 'services of the stack file; all of them when absent',
            },
            description: textSchema,
          },
          additionalProperties: false,
        },
        response: { 201: anyObject, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const startsAt = b.starts_at ?? clock.now();
      const length = durationOf(b.duration, 'duration') as number;
      const window = await alerting.calendar.add(
        {
          name: b.name,
          startsAt,
          endsAt: startsAt + length,
          services: b.services ?? null,
          createdBy: request.token?.name ?? 'api',
          description: b.description,
        },
        clock.now(),
      );
      return reply.code(201).send({ window });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/maintenance/:id',
    {
      config: { role: 'operator', audit: 'maintenance.end' },
      schema: {
        tags: ['alerts'],
        summary: 'End a one-off maintenance window now',
        params: idParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      if (!(await alerting.calendar.end(request.params.id, clock.now())))
        throw new DayshiftError('NOT_FOUND', `no open maintenance window #${request.params.id}`, {
          hint: 'GET /api/v1/maintenance lists them; windows in dayshift.yaml change with the file',
        });
      return { ended: request.params.id };
    },
  );
}
