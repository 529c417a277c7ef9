import type { FastifyInstance } from 'fastify';
import { DayshiftError } from '../errors.js';
import { errorResponses } from '../http/error-schemas.js';
import {
  anyObjectSchema as anyObject,
  idParams,
  nameParams,
  nameSchema,
  textSchema,
} from '../http/schemas.js';
import type { Clock } from '../util/clock.js';
import { parseDateTimeIn } from '../util/zoned-time.js';
import { MAX_UPCOMING, type OnCall } from './oncall.js';

/** A date and time as the API takes it: ISO 8601, read in the rotation's time zone when it has no offset. */
const momentSchema = {
  type: 'string',
  minLength: 10,
  maxLength: 40,
  description:
    "2026-03-29T09:00 in the rotation's time zone, or with an offset (2026-03-29T07:00Z); or epoch milliseconds",
} as const;

/** `at` of a query: epoch milliseconds, or a date and time read in `timeZone` unless it has an offset. */
function momentOf(text: string | undefined, timeZone: string, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  if (/^\d{10,16}$/.test(text)) return Number(text);
  return parseDateTimeIn(text, timeZone, what);
}

/**
 * `/api/v1/oncall`: who is on call now and next for each rotation, one rotation's coming shifts, and
 * its dated overrides. Reading needs a viewer token; adding or removing an override, an operator's.
 */
export async function oncallRoutes(
  app: FastifyInstance,
  options: { oncall: OnCall; clock: Clock },
): Promise<void> {
  const { oncall, clock } = options;
  const errors = errorResponses;

  app.get<{ Querystring: { at?: string } }>(
    '/oncall',
    {
      schema: {
        tags: ['oncall'],
        summary: 'Every rotation: who is on call now (or `at`) and who is next',
        querystring: {
          type: 'object',
          properties: {
            at: { ...momentSchema, description: `${momentSchema.description}; UTC without an offset` },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { at: { type: 'integer' }, rotations: { type: 'array', items: anyObject } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const at = momentOf(request.query.at, 'UTC', clock.now(), 'at');
      const rotations = [];
      for (const name of oncall.rotations()) {
        const rotation = oncall.rotation(name);
        const [next] = await oncall.upcoming(name, at, 1);
        rotations.push({
          rotation: name,
          timezone: rotation.timezone,
          now: await oncall.now(name, at),
          next: next ?? null,
        });
      }
      return { at, rotations };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { at?: string; count?: number } }>(
    '/oncall/:name',
    {
      schema: {
        tags: ['oncall'],
        summary:
          'One rotation: who is on call now (or `at`) and the `count` shifts after (default 5), overrides included',
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            at: momentSchema,
            count: { type: 'integer', minimum: 0, maximum: MAX_UPCOMING, default: 5 },
          },
        },
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const rotation = oncall.rotation(name);
      const at = momentOf(request.query.at, rotation.timezone, clock.now(), 'at');
      return {
        rotation: name,
        timezone: rotation.timezone,
        members: rotation.members,
        at,
        now: await oncall.now(name, at),
        upcoming: await oncall.upcoming(name, at, request.query.count ?? 5),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { all?: boolean } }>(
    '/oncall/:name/overrides',
    {
      schema: {
        tags: ['oncall'],
        summary: "A rotation's overrides that have not ended, soonest first (`all=true` for past ones too)",
        params: nameParams,
        querystring: { type: 'object', properties: { all: { type: 'boolean' } } },
        response: {
          200: { type: 'object', properties: { overrides: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => ({
      overrides: await oncall.overrides(request.params.name, request.query.all ? undefined : clock.now()),
    }),
  );

  app.post<{ Params: { name: string }; Body: { person: string; from: string; to: string; reason?: string } }>(
    '/oncall/:name/overrides',
    {
      config: { role: 'operator', audit: 'override.create' },
      schema: {
        tags: ['oncall'],
        summary:
          'A dated swap: `person` covers the rotation from `from` until `to`, over its shifts and older overrides',
        params: nameParams,
        body: {
          type: 'object',
          required: ['person', 'from', 'to'],
          properties: {
            person: { ...nameSchema, description: 'one of the stack file’s people' },
            from: momentSchema,
            to: momentSchema,
            reason: textSchema,
          },
          additionalProperties: false,
        },
        response: { 201: anyObject, ...errors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { timezone } = oncall.rotation(name);
      const now = clock.now();
      const b = request.body;
      const override = await oncall.addOverride(
        {
          rotation: name,
          person: b.person,
          startsAt: momentOf(b.from, timezone, now, 'from'),
          endsAt: momentOf(b.to, timezone, now, 'to'),
          reason: b.reason,
          createdBy: request.token?.name ?? 'api',
        },
        now,
      );
      return reply.code(201).send({ override });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/oncall/overrides/:id',
    {
      config: { role: 'operator', audit: 'override.remove' },
      schema: {
        tags: ['oncall'],
        summary: 'Remove an override: the rotation (or an older override) holds its span again',
        params: idParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      if (!(await oncall.removeOverride(request.params.id)))
        throw new DayshiftError('NOT_FOUND', `no on-call override #${request.params.id}`, {
          hint: 'GET /api/v1/oncall/<rotation>/overrides?all=true lists them',
        });
      return { removed: request.params.id };
    },
  );
}
