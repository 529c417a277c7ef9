import type { FastifyInstance } from 'fastify';
import { roleAllows } from '../access/roles.js';
import { DayshiftError } from '../errors.js';
import { errorResponseSchema, errorResponses } from '../http/error-schemas.js';
import {
  anyObjectSchema as anyObject,
  idSchema,
  jobSchema,
  nameParams,
  nameSchema,
} from '../http/schemas.js';
import type { JobQueue } from '../jobs/queue.js';
import { LIMITS } from '../util/input-bounds.js';
import type { Backups } from './backups.js';
import { BACKUP_DRILL_KIND, BACKUP_RESTORE_KIND, BACKUP_RUN_KIND, BACKUP_VERIFY_KIND } from './jobs.js';
import { confineTarget, refuseOccupied } from './restore.js';
import { maskedTo } from './sources/shared/restore-confinement.js';
import { backupStatus } from './status.js';

/** The run kinds a backup records, as `?kind=` names them. */
const RUN_KINDS = ['backup', 'drill', 'verify', 'restore'] as const;

/** What an operator may start through the API: each is queued as a job and recorded as a run. */
const ACTIONS = {
  run: BACKUP_RUN_KIND,
  drill: BACKUP_DRILL_KIND,
  verify: BACKUP_VERIFY_KIND,
} as const;

/**
 * `/api/v1/backups`: each backup's status (its newest backup, drill and verify runs), its snapshots,
 * its runs with their steps, and queueing a backup, drill, verify or restore now. A restore into a
 * new or empty target needs an operator; replacing data (`force`, or over the original) an admin.
 */
export async function backupRoutes(
  app: FastifyInstance,
  options: { backups: Backups; queue: JobQueue },
): Promise<void> {
  const { backups, queue } = options;
  const errors = errorResponses;

  app.get(
    '/backups',
    {
      schema: {
        tags: ['backups'],
        summary: 'Every backup in the stack file with its newest backup, drill and verify runs',
        response: {
          200: { type: 'object', properties: { backups: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async () => ({
      backups: await Promise.all(backups.names().map((name) => backupStatus(backups, name))),
    }),
  );

  app.get<{ Params: { name: string } }>(
    '/backups/:name',
    {
      schema: {
        tags: ['backups'],
        summary: "One backup's status and its snapshots, newest first (read from its repository)",
        params: nameParams,
        response: {
          200: {
            type: 'object',
            properties: { backup: anyObject, snapshots: { type: 'array', items: anyObject } },
          },
          ...errors,
          502: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const status = await backupStatus(backups, name);
      return { backup: status, snapshots: await backups.list(name) };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { kind?: string; limit?: number; before?: number } }>(
    '/backups/:name/runs',
    {
      schema: {
        tags: ['backups'],
        summary: "A backup's runs (backups, drills, verifies, restores), newest first",
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: [...RUN_KINDS] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            before: { ...idSchema, description: 'page: only runs with a smaller id' },
          },
        },
        response: {
          200: { type: 'object', properties: { runs: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      backups.configOf(name);
      const { kind, limit, before } = request.query;
      const runs = await backups.env.runs.list({
        kinds: kind ? [kind] : RUN_KINDS,
        name,
        limit,
        beforeId: before,
      });
      return { runs };
    },
  );

  /** A run of this backup, or NOT_FOUND: a run of another backup or kind is not reachable here. */
  const runOf = async (name: string, id: number) => {
    backups.configOf(name);
    const run = await backups.env.runs.get(id);
    if (!run || run.name !== name || !(RUN_KINDS as readonly string[]).includes(run.kind))
      throw new DayshiftError('NOT_FOUND', `backup ${name} has no run ${id}`, {
        hint: `GET /api/v1/backups/${name}/runs lists them`,
      });
    return run;
  };
  const runParams = {
    type: 'object',
    properties: { name: nameSchema, id: idSchema },
    required: ['name', 'id'],
  } as const;

  app.get<{ Params: { name: string; id: number } }>(
    '/backups/:name/runs/:id',
    {
      schema: {
        tags: ['backups'],
        summary: 'One run of a backup with every step: outcome, time and result',
        params: runParams,
        response: { 200: { type: 'object', properties: { run: anyObject } }, ...errors },
      },
    },
    async (request) => ({ run: await runOf(request.params.name, request.params.id) }),
  );

  app.get<{ Params: { name: string; id: number } }>(
    '/backups/:name/runs/:id/evidence',
    {
      schema: {
        tags: ['backups'],
        summary:
          "A run's evidence, in the order it was captured, without contents: name, kind, step, size, SHA-256, truncated",
        params: runParams,
        response: {
          200: { type: 'object', properties: { evidence: { type: 'array', items: anyObject } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const run = await runOf(request.params.name, request.params.id);
      return { evidence: await backups.env.runs.evidence(run.id) };
    },
  );

  app.get<{ Params: { name: string; id: number; item: number } }>(
    '/backups/:name/runs/:id/evidence/:item',
    {
      schema: {
        tags: ['backups'],
        summary: "One item of a run's evidence with its content (at most 256 KiB, secrets scrubbed)",
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
      const evidence = await backups.env.runs.evidenceItem(run.id, item);
      if (!evidence)
        throw new DayshiftError('NOT_FOUND', `run ${id} of backup ${name} has no evidence ${item}`, {
          hint: `GET /api/v1/backups/${name}/runs/${id}/evidence lists it`,
        });
      return { evidence };
    },
  );

  app.post<{ Params: { name: string }; Body: { snapshot?: string; to?: string; force?: boolean } | null }>(
    '/backups/:name/restore',
    {
      config: { role: 'operator', audit: 'backup.restore' },
      schema: {
        tags: ['backups'],
        summary:
          'Queue a restore (a `backup.restore` job): into a new or empty `to` (a database name, a URL without credentials on a server the stack file names, or a path under the stack file directory or `restore.allowed_paths`), or, as an admin, over what a target or the original holds with `force` (a safety snapshot of the original is taken first). A `to` outside those is refused (403), one with a password too (400); without `force`, a target that holds data is a conflict (409)',
        params: nameParams,
        body: {
          type: ['object', 'null'],
          properties: {
            snapshot: {
              type: 'string',
              maxLength: LIMITS.name,
              description: 'a snapshot id or a unique prefix; the newest by default',
            },
            to: {
              type: 'string',
              maxLength: LIMITS.path,
              description:
                "another database (a name on the source's server, or a URL without user:password on a server the stack file names) or a path",
            },
            force: { type: 'boolean', description: 'replace what the target holds' },
          },
          additionalProperties: false,
        },
        response: {
          202: { type: 'object', properties: { job: jobSchema, snapshot: { type: 'string' } } },
          ...errors,
          409: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { snapshot, to, force } = request.body ?? {};
      backups.configOf(name);
      const role = request.token?.role;
      const isAdmin = role !== undefined && roleAllows(role, 'admin');
      // Replacing data (the original, or a target that holds something) is an admin's call.
      if ((to === undefined || force) && !isAdmin)
        throw new DayshiftError(
          'AUTH_FORBIDDEN',
          to === undefined
            ? `restoring ${name} over the original needs the admin role`
            : `restoring ${name} with force replaces what ${maskedTo(to)} holds and needs the admin role`,
          { hint: 'restore into a new database or an empty directory with "to", or use an admin token' },
        );
      // Refused now, before anything is stored: a target outside the stack file's rules, a `to` with a
      // password (the job's payload is readable by every viewer), or, without force, a target that holds
      // data (409). The job checks again when it runs.
      if (to !== undefined) confineTarget(backups, name, to);
      if (!force) await refuseOccupied(backups, name, to);
      // The snapshot is chosen now, so a backup finishing before the job runs does not change it.
      const chosen = await backups.snapshot(name, snapshot ?? 'latest');
      const job = await queue.enqueue(
        BACKUP_RESTORE_KIND,
        {
          backup: name,
          snapshot: chosen.id,
          ...(to === undefined ? {} : { to: maskedTo(to) }),
          force: force ?? false,
          trigger: 'api',
        },
        { uniqueKey: `${BACKUP_RESTORE_KIND}:${name}` },
      );
      if (!job)
        throw new DayshiftError('JOB_STATE_CONFLICT', `a restore of ${name} is already queued or running`, {
          hint: `GET /api/v1/jobs?kind=${BACKUP_RESTORE_KIND} shows it`,
        });
      return reply.status(202).send({ job, snapshot: chosen.id });
    },
  );

  for (const [action, kind] of Object.entries(ACTIONS))
    app.post<{ Params: { name: string } }>(
      `/backups/:name/${action}`,
      {
        config: { role: 'operator', audit: `backup.${action}` },
        schema: {
          tags: ['backups'],
          summary: `Queue a ${action === 'run' ? 'backup' : action} of this backup now (a \`${kind}\` job)`,
          params: nameParams,
          response: {
            202: { type: 'object', properties: { job: jobSchema } },
            ...errors,
            409: errorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        backups.configOf(name);
        const job = await queue.enqueue(
          kind,
          { backup: name, trigger: 'api' },
          { uniqueKey: `${kind}:${name}:api` },
        );
        if (!job)
          throw new DayshiftError(
            'JOB_STATE_CONFLICT',
            `a ${action === 'run' ? 'backup' : action} of ${name} requested through the API is already queued or running`,
            { hint: `GET /api/v1/jobs?kind=${kind} shows it` },
          );
        return reply.status(202).send({ job });
      },
    );
}
