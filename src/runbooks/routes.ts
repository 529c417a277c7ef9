import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roleAllows } from '../access/roles.js';
import { DayshiftError } from '../errors.js';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import { noteRequestRun } from '../http/request-run.js';
import { anyObjectSchema as anyObject, idParams, idSchema, nameParams, nameSchema } from '../http/schemas.js';
import { openEventStream } from '../http/sse.js';
import type { JobQueue } from '../jobs/queue.js';
import { isFinished } from '../runs/states.js';
import { startQueued } from './jobs.js';
import type { Runbooks } from './runbooks.js';

export interface RunbookRoutesOptions {
  runbooks: () => Runbooks;
  queue: JobQueue;
  /** How often an event stream reads the run's record (ms). */
  streamPollMs?: number;
}

/** Who acts, as an approve step's `approvers:` names them: the token's name. */
function actorName(request: FastifyRequest): string {
  return request.token?.name ?? 'anonymous';
}

const paramsBody = {
  type: ['object', 'null'],
  properties: {
    params: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    },
  },
  additionalProperties: false,
} as const;

/**
 * `/api/v1/runbooks` and `/api/v1/runs`: the runbooks and their parameters; starting one (operator:
 * the run is opened at once, or refused with the running run's id, and carried out by a node's
 * worker); runs of every kind with their steps and evidence; a run's live steps as server-sent events;
 * approving and cancelling a run (operator).
 */
export async function runbookRoutes(app: FastifyInstance, options: RunbookRoutesOptions): Promise<void> {
  const errors = { ...errorResponses, 409: errorResponseSchema, 429: errorResponseSchema };
  const { queue } = options;

  app.get(
    '/runbooks',
    {
      schema: {
        tags: ['runbooks'],
        summary: 'Every runbook with its description, parameters, triggers and limits',
        response: {
          200: { type: 'object', properties: { runbooks: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async () => {
      const runbooks = options.runbooks();
      return {
        runbooks: runbooks.names().map((name) => {
          const d = runbooks.definition(name);
          return {
            name,
            description: d.description ?? null,
            params: d.params,
            steps: d.steps.map((s) => s.kind),
            on: (d.on ?? []).map((t) => ('schedule' in t ? { schedule: t.schedule } : { alert: t.alert })),
            concurrency: d.concurrency,
            maxRuns: d.max_runs ?? null,
          };
        }),
      };
    },
  );

  app.post<{ Params: { name: string }; Body: { params?: Record<string, string | number | boolean> } | null }>(
    '/runbooks/:name/runs',
    {
      config: { role: 'operator', audit: 'runbook.run' },
      schema: {
        tags: ['runbooks'],
        summary: 'Start a run of the runbook; 202 with its id, 409 naming the run already going',
        params: nameParams,
        body: paramsBody,
        response: { 202: anyObject, ...errors },
      },
    },
    async (request, reply) => {
      const runbooks = options.runbooks();
      // Restoring over live data is an admin's call (as POST /backups/:name/restore without `to`): a
      // runbook that does it needs an admin token to start, whatever role starting it otherwise needs.
      const overLive = runbooks.restoresOverLiveData(request.params.name);
      const role = request.token?.role;
      if (overLive.length > 0 && role !== undefined && !roleAllows(role, 'admin'))
        throw new DayshiftError(
          'AUTH_FORBIDDEN',
          `runbook ${request.params.name} restores ${overLive.join(', ')} over live data, which needs the admin role; the token "${request.token?.name}" is ${role}`,
          { hint: 'start it with an admin token, or restore into a scratch target with `to:`' },
        );
      const started = await startQueued(
        runbooks,
        queue,
        request.params.name,
        request.body?.params ?? {},
        `api:${actorName(request)}`,
      );
      reply.code(202);
      return { runId: started.runId, job: { id: started.jobId }, url: `/api/v1/runs/${started.runId}` };
    },
  );

  app.get<{ Querystring: { kind?: string; name?: string; limit?: number; before?: number } }>(
    '/runs',
    {
      schema: {
        tags: ['runbooks'],
        summary: 'Runs of every kind (runbook, service, backup, drill, restore, smoke), newest first',
        querystring: {
          type: 'object',
          properties: {
            kind: nameSchema,
            name: nameSchema,
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            before: idSchema,
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
      const { kind, name, limit, before } = request.query;
      const runs = await options.runbooks().runs.list({
        kinds: kind ? [kind] : undefined,
        name,
        limit: limit ?? 50,
        beforeId: before,
      });
      return { runs };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/runs/:id',
    {
      schema: {
        tags: ['runbooks'],
        summary: 'One run with its steps (their results and output) and its evidence (without contents)',
        params: idParams,
        response: { 200: { type: 'object', properties: { run: anyObject } }, ...errors },
      },
    },
    async (request) => {
      const runs = options.runbooks().runs;
      const run = await runs.get(request.params.id);
      if (!run) throw notFound(request.params.id);
      return { run: { ...run, evidence: await runs.evidence(run.id) } };
    },
  );

  app.get<{ Params: { id: number; item: number } }>(
    '/runs/:id/evidence/:item',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['runbooks'],
        summary: 'One item of a run’s evidence with its content (scrubbed), size and SHA-256',
        params: {
          type: 'object',
          properties: { id: idSchema, item: idSchema },
          required: ['id', 'item'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { evidence: anyObject } }, ...errors },
      },
    },
    async (request) => {
      const item = await options.runbooks().runs.evidenceItem(request.params.id, request.params.item);
      if (!item)
        throw new DayshiftError(
          'NOT_FOUND',
          `run ${request.params.id} has no evidence item ${request.params.item}`,
        );
      return { evidence: item };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/runs/:id/events',
    {
      schema: {
        tags: ['runbooks'],
        summary: 'Server-sent events: each step of the run as it ends, its pauses, and its end',
        description:
          'Events: `step` (a recorded step), `waiting` (an approval it waits on), `status` (running again), and `end` (its final status and summary). A stream opened on a finished run sends its steps and `end` at once.',
        params: idParams,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const runs = options.runbooks().runs;
      const runId = request.params.id;
      if (!(await runs.get(runId))) throw notFound(runId);
      const stream = openEventStream(request, reply);
      const pollMs = options.streamPollMs ?? 200;
      let sent = 0;
      let lastStatus = '';
      while (!stream.closed) {
        const run = await runs.get(runId);
        if (!run) break;
        for (const step of run.steps.slice(sent))
          stream.send({ id: step.position, event: 'step', data: step });
        sent = run.steps.length;
        if (run.status !== lastStatus) {
          if (run.status === 'waiting') stream.send({ event: 'waiting', data: run.summary });
          else if (!isFinished(run.status) && lastStatus !== '')
            stream.send({ event: 'status', data: { status: run.status } });
          lastStatus = run.status;
        }
        if (isFinished(run.status)) {
          stream.send({ event: 'end', data: { runId, status: run.status, summary: run.summary } });
          stream.end();
          break;
        }
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pollMs)), stream.onClose]);
      }
    },
  );

  app.post<{ Params: { id: number } }>(
    '/runs/:id/approve',
    {
      config: { role: 'operator', audit: 'run.approve' },
      schema: {
        tags: ['runbooks'],
        summary: 'Approve the step a waiting run is paused on; the run goes on',
        params: idParams,
        body: { type: ['object', 'null'], additionalProperties: false },
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      // The entry of a refused approval names the run it was for.
      noteRequestRun(request, request.params.id);
      const by = actorName(request);
      const waiting = await options.runbooks().approve(request.params.id, by);
      return { runId: request.params.id, approved: waiting.step, by };
    },
  );

  app.post<{ Params: { id: number }; Body: { reason?: string } | null }>(
    '/runs/:id/cancel',
    {
      config: { role: 'operator', audit: 'run.cancel' },
      schema: {
        tags: ['runbooks'],
        summary:
          'Cancel a running or waiting runbook run: the step running now is stopped, its processes killed',
        params: idParams,
        body: {
          type: ['object', 'null'],
          properties: { reason: { type: 'string', maxLength: 1000 } },
          additionalProperties: false,
        },
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => {
      noteRequestRun(request, request.params.id);
      await options.runbooks().cancel(request.params.id, actorName(request), request.body?.reason);
      return { runId: request.params.id, status: 'cancelled' };
    },
  );
}

function notFound(id: number): DayshiftError {
  return new DayshiftError('NOT_FOUND', `there is no run ${id}`, { hint: 'list runs with GET /api/v1/runs' });
}
