import type { FastifyInstance } from 'fastify';
import { DayshiftError } from '../../errors.js';
import { errorResponseSchema } from '../../http/error-schemas.js';
import {
  epochMsSchema,
  expressionSchema,
  idParams,
  idSchema,
  jobEventSchema,
  jobSchema,
  nameSchema,
  queueHealthSchema,
} from '../../http/schemas.js';
import { openEventStream } from '../../http/sse.js';
import type { JobQueue } from '../../jobs/queue.js';
import { type JobStatus, parseJobStatuses } from '../../jobs/types.js';
import { checkJsonDepth, checkTime, LIMITS } from '../../util/input-bounds.js';

const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface JobRouteOptions {
  queue: JobQueue;
  /** How often the event stream looks for new events in the store (they may come from another process). */
  streamPollMs?: number;
  /** Kinds an operator may queue directly; other kinds are queued by the features that own them. */
  requestableKinds: ReadonlySet<string>;
}

export async function jobRoutes(app: FastifyInstance, options: JobRouteOptions): Promise<void> {
  const { queue } = options;
  const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

  app.get<{ Querystring: { status?: string; kind?: string; limit?: number; beforeId?: number } }>(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        querystring: {
          type: 'object',
          properties: {
            status: {
              ...expressionSchema,
              description: 'comma-separated statuses, e.g. `failed,cancelled`',
            },
            kind: nameSchema,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            beforeId: { ...idSchema, description: 'page: only jobs with a smaller id' },
          },
        },
        response: {
          200: { type: 'object', properties: { jobs: { type: 'array', items: jobSchema } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { status, kind, limit, beforeId } = request.query;
      const statuses = status ? parseJobStatuses(status) : undefined;
      const jobs = await queue.list({ status: statuses, kind, limit, beforeId });
      return { jobs };
    },
  );

  app.post<{
    Body: { kind: string; payload?: unknown; uniqueKey?: string; priority?: number; runAt?: number };
  }>(
    '/api/v1/jobs',
    {
      config: { role: 'operator', audit: 'job.create' },
      schema: {
        tags: ['jobs'],
        summary: 'Queue a job of a kind operators may request directly (e.g. `selftest`)',
        body: {
          type: 'object',
          properties: {
            kind: nameSchema,
            payload: { description: `any JSON value, nested at most ${LIMITS.jsonDepth} levels` },
            uniqueKey: {
              ...expressionSchema,
              description: 'no second job with this key while one is queued or running',
            },
            priority: {
              type: 'integer',
              minimum: -LIMITS.priority,
              maximum: LIMITS.priority,
              description: 'higher runs first',
            },
            runAt: { ...epochMsSchema, description: 'epoch milliseconds; default now' },
          },
          required: ['kind'],
          additionalProperties: false,
        },
        response: {
          201: { type: 'object', properties: { job: jobSchema } },
          400: errorResponseSchema,
          409: errorResponseSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { kind, payload, uniqueKey, priority, runAt } = request.body;
      if (!options.requestableKinds.has(kind)) {
        throw new DayshiftError(
          'JOB_KIND_UNKNOWN',
          `jobs of kind "${kind}" cannot be queued through the API`,
          {
            hint: `queue one of: ${[...options.requestableKinds].join(', ')}`,
          },
        );
      }
      // Stored and answered as JSON: a value nested past what any payload needs could not be written back.
      checkJsonDepth(payload, 'the payload');
      if (runAt !== undefined) checkTime(runAt, queue.clock.now(), 'runAt');
      const job = await queue.enqueue(kind, payload ?? {}, { uniqueKey, priority, runAt });
      if (!job) {
        throw new DayshiftError(
          'JOB_STATE_CONFLICT',
          `a job with unique key "${uniqueKey}" is already queued or running`,
        );
      }
      return reply.status(201).send({ job });
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'One job, with its events',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: { job: jobSchema, events: { type: 'array', items: jobEventSchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const job = await queue.get(request.params.id);
      if (!job) throw notFound(request.params.id);
      return { job, events: await queue.events(job.id) };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/v1/jobs/:id/retry',
    {
      config: { role: 'operator', audit: 'job.retry' },
      schema: {
        tags: ['jobs'],
        summary: 'Put a failed or cancelled job back in the queue',
        params: idParams,
        response: {
          200: { type: 'object', properties: { job: jobSchema } },
          409: errorResponseSchema,
          ...errors,
        },
      },
    },
    async (request) => ({ job: await queue.retry(request.params.id) }),
  );

  app.post<{ Params: { id: number } }>(
    '/api/v1/jobs/:id/cancel',
    {
      config: { role: 'operator', audit: 'job.cancel' },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a queued or running job',
        params: idParams,
        response: {
          200: { type: 'object', properties: { job: jobSchema } },
          409: errorResponseSchema,
          ...errors,
        },
      },
    },
    async (request) => ({ job: await queue.cancel(request.params.id) }),
  );

  app.post<{ Body: { kind?: string } | undefined }>(
    '/api/v1/jobs/replay',
    {
      config: { role: 'operator', audit: 'job.replay' },
      schema: {
        tags: ['jobs'],
        summary: 'Put every failed job (optionally of one kind) back in the queue',
        description:
          'Of failed jobs sharing a unique key only the newest is replayed, and only when no queued or running job holds the key; the others are listed in `skipped` with the reason.',
        body: { type: ['object', 'null'], properties: { kind: nameSchema } },
        response: { 200: replayReportSchema, 503: errorResponseSchema, ...errors },
      },
    },
    async (request) => queue.replayFailed({ kind: request.body?.kind }),
  );

  app.get(
    '/api/v1/queue',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Queue health: counts per state, oldest waiting job, wait percentiles',
        response: { 200: queueHealthSchema, ...errors },
      },
    },
    async () => queue.health(),
  );

  app.get<{ Params: { id: number }; Headers: { 'last-event-id'?: string } }>(
    '/api/v1/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Server-sent events: the job’s progress and state changes, ending when it finishes',
        description:
          'Each SSE message has `event:` set to the job event type and `data:` holding a JobEvent. Resume with `Last-Event-ID`.',
        params: idParams,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const jobId = request.params.id;
      if (!(await queue.get(jobId))) throw notFound(jobId);
      // A Last-Event-ID that is no event's sequence number (not a whole number, or past any) starts over.
      const resumeAt = Number(request.headers['last-event-id'] ?? 0);
      let lastSeq = Number.isSafeInteger(resumeAt) && resumeAt > 0 ? resumeAt : 0;
      const stream = openEventStream(request, reply);
      const pollMs = options.streamPollMs ?? 200;
      while (!stream.closed) {
        for (const event of await queue.events(jobId, lastSeq)) {
          stream.send({ id: event.seq, event: event.type, data: event });
          lastSeq = event.seq;
        }
        const job = await queue.get(jobId);
        if (!job || TERMINAL.has(job.status)) {
          // Events of the final transition are written with it, so one more read catches any stragglers.
          for (const event of await queue.events(jobId, lastSeq)) {
            stream.send({ id: event.seq, event: event.type, data: event });
            lastSeq = event.seq;
          }
          stream.send({ event: 'end', data: { jobId, status: job?.status ?? 'gone' } });
          stream.end();
          break;
        }
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pollMs)), stream.onClose]);
      }
    },
  );
}

function notFound(id: number): DayshiftError {
  return new DayshiftError('JOB_NOT_FOUND', `no job ${id}`, { hint: 'list jobs with `dayshift jobs list`' });
}

const replayReportSchema = {
  type: 'object',
  properties: {
    replayed: { type: 'integer', description: 'how many jobs were queued again' },
    replayedIds: { type: 'array', items: { type: 'integer' } },
    skipped: {
      type: 'array',
      description: 'failed jobs left failed because another job holds, or was given, their unique key',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string' },
          uniqueKey: { type: 'string' },
          reason: { type: 'string' },
        },
        required: ['id', 'kind', 'uniqueKey', 'reason'],
      },
    },
  },
  required: ['replayed', 'replayedIds', 'skipped'],
} as const;
