/**
 * The secret canary across a serving node: canary secrets in the stack file (a database role's
 * password in a postgres source and check, a repository passphrase, a webhook token) and a canary
 * password sent through the API in a restore `to`, with real backup, drill and restore jobs (postgres
 * on 127.0.0.1:5432, files with GNU tar). Afterwards no canary is in any answer of any GET route of the
 * router's table, in any row of any table of the store (job payloads and results, run records and
 * their steps, check samples), in a SQLite store's raw file and its WAL, or in the captured logs. On
 * both stores.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { BACKUP_RESTORE_KIND } from '../../src/backup/jobs.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { createLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { routerTable } from '../helpers/route-table.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { pgSource, pgUrl } from './restore-fixture.js';

const ROLE_PASSWORD = 'canary-rs-role-pw-3b7d';
const PASSPHRASE = 'canary-rs-passphrase-c41e';
const HOOK_TOKEN = 'canary-rs-hook-token-9a02';
const API_PASSWORD = 'canary-rs-api-pw-e65f';
const CANARIES = [ROLE_PASSWORD, PASSPHRASE, HOOK_TOKEN, API_PASSWORD];

interface Job {
  id: number;
  status: string;
  payload: Record<string, unknown>;
  result: unknown;
}

/** The parts of API answers this test reads. */
interface Answer {
  job: Job;
  jobs: Job[];
  checks: Array<{ id: string }>;
  alerts?: Array<{ id: number }>;
  runs: Array<{ id: number }>;
  error: { message: string };
}

describe.each(STORE_KINDS)(
  'no secret canary in API answers, job payloads, run records or logs (%s store)',
  (kind) => {
    let test: TestStore;
    let node: RunningNode;
    let admin: string;
    let operator: string;
    let dir: string;
    let db: Awaited<ReturnType<typeof pgSource>>;
    const logs: string[] = [];
    const answers: Array<{ url: string; status: number; text: string }> = [];

    const call = async (method: string, url: string, body?: unknown, token = admin) => {
      const response = await fetch(`${node.address}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A stream that never ends fails the test instead of hanging it.
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      answers.push({ url, status: response.status, text });
      const json = (response.headers.get('content-type') ?? '').includes('json');
      return { status: response.status, text, body: (json ? JSON.parse(text) : {}) as Answer };
    };
    const jobEnd = (id: number): Promise<Job> =>
      until(
        async () => {
          const { body } = await call('GET', `/api/v1/jobs/${id}`);
          return ['completed', 'failed'].includes(body.job.status) ? (body.job as Job) : undefined;
        },
        `job ${id} to end`,
        60_000,
      );
    const queue = async (url: string, body?: unknown): Promise<Job> => {
      const queued = await call('POST', url, body, operator);
      expect(queued.status, queued.text).toBe(202);
      return jobEnd(queued.body.job.id);
    };

    beforeAll(async () => {
      test = await createTestStore(kind);
      db = await pgSource('dayshift_rs', ROLE_PASSWORD);
      const stack = stackFrom(
        `version: 1
stack: restore-secrets
services:
  db:
    checks:
      ready: { postgres: { url: "\${DB_URL}" }, every: 1s }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/hook?token=\${HOOK_TOKEN}" } }
repositories:
  vault: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
backups:
  db:
    source: { postgres: { url: "\${DB_URL}" } }
    repository: vault
    notify: [ ops ]
    drill: { assert: [ { row_counts: true } ] }
  media:
    source: { files: { paths: [ media ] } }
    repository: vault
`,
        { DB_URL: db.url, PASSPHRASE, HOOK_TOKEN },
      );
      dir = stack.dir;
      mkdirSync(path.join(dir, 'media'));
      writeFileSync(path.join(dir, 'media', 'note.txt'), 'kept');
      const stream = new Writable({
        write(chunk, _encoding, done) {
          logs.push(String(chunk));
          done();
        },
      });
      node = await startNode({
        store: test.options,
        listen: '127.0.0.1:0',
        logger: createLogger({ stream, level: 'debug' }),
        stack: { config: stack.config, configPath: stack.configPath },
      });
      const tokens = new TokenService(node.store);
      admin = (await tokens.create({ name: 'a', role: 'admin' })).token;
      operator = (await tokens.create({ name: 'o', role: 'operator' })).token;
    }, 60_000);

    afterAll(async () => {
      await node?.stop('test over');
      await db?.drop();
      await test?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs real backup, drill and restore jobs, and refuses a to with a password without keeping it', async () => {
      expect((await queue('/api/v1/backups/db/run')).status).toBe('completed');
      const mediaRun = await queue('/api/v1/backups/media/run');
      expect(mediaRun.status).toBe('completed');
      expect((await queue('/api/v1/backups/db/drill')).status).toBe('completed');

      for (const to of [
        pgUrl(db.restored('leak'), db.role, API_PASSWORD),
        pgUrl(db.restored('leak'), 'someone', API_PASSWORD, 'db.invalid'),
        `postgres://127.0.0.1:5432/${db.restored('leak')}?password=${API_PASSWORD}`,
      ]) {
        const refused = await call('POST', '/api/v1/backups/db/restore', { to }, operator);
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toMatch(/password|parameters/);
      }
      // Refused for its role first: the message names the target masked.
      const forced = await call(
        'POST',
        '/api/v1/backups/db/restore',
        { to: pgUrl(db.restored('leak'), db.role, API_PASSWORD), force: true },
        operator,
      );
      expect(forced.status).toBe(403);
      expect(forced.body.error.message).toMatch(/\*\*\*/);

      const restored = db.restored('ok');
      const intoDb = await queue('/api/v1/backups/db/restore', {
        to: `postgres://127.0.0.1:5432/${restored}`,
      });
      expect(intoDb.status).toBe('completed');
      expect(await db.notesIn(restored)).toBe(3);
      expect((await queue('/api/v1/backups/media/restore', { to: 'restored-media' })).status).toBe(
        'completed',
      );
      expect(readFileSync(path.join(dir, 'restored-media', 'media', 'note.txt'), 'utf8')).toBe('kept');
      // The API refuses a target that is not empty before it queues anything (a conflict, 409)...
      const occupied = await call(
        'POST',
        '/api/v1/backups/media/restore',
        { to: 'restored-media' },
        operator,
      );
      expect(occupied.status, occupied.text).toBe(409);
      expect(occupied.text).toContain('RESTORE_TARGET_OCCUPIED');
      // ...and a restore job that finds it so (filled after the job was queued) fails and records its error too.
      const late = await new JobQueue(node.store).enqueue(
        BACKUP_RESTORE_KIND,
        {
          backup: 'media',
          snapshot: (mediaRun.result as { snapshot: string }).snapshot,
          to: 'restored-media',
          trigger: 'api',
        },
        { maxAttempts: 1 }, // as the API queues it: a restore is not repeated by itself
      );
      expect((await jobEnd(late?.id as number)).status).toBe('failed');
      await until(async () => {
        const { body } = await call('GET', '/api/v1/checks');
        return JSON.stringify(body).includes('healthy') ? true : undefined;
      }, 'the postgres check to have run');
    });

    it('no GET route of the router answers with a canary', async () => {
      const routes = routerTable(node.server.printRoutes())
        .filter((route) => route.method === 'GET')
        .map((route) => route.url);
      for (const expected of [
        '/api/v1/jobs',
        '/api/v1/jobs/:id',
        '/api/v1/backups/:name/runs/:id',
        '/api/openapi.json',
      ])
        expect(routes).toContain(expected);
      const jobs = (await call('GET', '/api/v1/jobs')).body.jobs as Job[];
      const checks = (await call('GET', '/api/v1/checks')).body.checks as Array<{ id: string }>;
      const alerts = ((await call('GET', '/api/v1/alerts')).body.alerts ?? []) as Array<{ id: number }>;
      const runsOf = async (name: string) =>
        ((await call('GET', `/api/v1/backups/${name}/runs`)).body.runs as Array<{ id: number }>).map((r) =>
          String(r.id),
        );
      const values: Record<string, string[]> = {
        // An event stream of a job ends once the job has ended; a queued one (history upkeep) streams on.
        '/api/v1/jobs/:id/events': jobs
          .filter((j) => ['completed', 'failed'].includes(j.status))
          .map((j) => String(j.id)),
        '/api/v1/jobs/:id': jobs.map((j) => String(j.id)),
        '/api/v1/checks/:id': checks.map((c) => c.id),
        '/api/v1/alerts/:id': alerts.length ? alerts.map((a) => String(a.id)) : ['1'],
      };
      expect(jobs.length).toBeGreaterThanOrEqual(6);
      const urls = new Set<string>();
      for (const route of routes) {
        let expanded = [route.replace('*', 'x').replace(':token', 'no-such-token')];
        const ids = Object.entries(values).find(([prefix]) => route.startsWith(prefix))?.[1];
        if (ids) expanded = expanded.flatMap((u) => ids.map((id) => u.replace(':id', id)));
        const withNames: string[] = [];
        for (const u of expanded) {
          if (!u.includes(':name')) withNames.push(u);
          else
            for (const name of ['db', 'media']) {
              const named = u.replace(':name', name);
              if (named.includes(':id'))
                for (const id of await runsOf(name)) withNames.push(named.replace(':id', id));
              else withNames.push(named);
            }
        }
        for (const u of withNames) urls.add(u);
      }
      for (const url of urls) {
        const { status } = await call('GET', url);
        expect(status, url).toBeLessThan(500);
      }
      expect(urls.size).toBeGreaterThan(routes.length);
      const restoreJobs = jobs.filter((j) => j.payload.to !== undefined);
      expect(restoreJobs.map((j) => j.payload.to).sort()).toEqual([
        `postgres://127.0.0.1:5432/${db.restored('ok')}`,
        'restored-media',
        'restored-media',
      ]);
      for (const { url, text } of answers)
        for (const canary of CANARIES) expect(text, url).not.toContain(canary);
    });

    it("no canary in the store: in no row of any table, nor in a SQLite store's raw file or its WAL", async () => {
      const tables = await node.store.db.introspection.getTables();
      const rows: Record<string, unknown[]> = {};
      for (const { name } of tables)
        rows[name] = (await sql.raw(`select * from "${name}"`).execute(node.store.db)).rows;
      expect(rows.jobs?.length).toBeGreaterThanOrEqual(6);
      expect(rows.runs?.length).toBeGreaterThanOrEqual(5);
      expect(rows.run_steps?.length).toBeGreaterThanOrEqual(5);
      expect(rows.check_samples?.length ?? rows.check_states?.length).toBeGreaterThan(0);
      const everything = JSON.stringify(rows);
      expect(everything).toContain(db.restored('ok'));
      for (const canary of CANARIES) expect(everything).not.toContain(canary);

      // PostgreSQL's files are its server's own, not this test's to read; its rows were read above.
      const file = test.options.sqlitePath;
      if (!file) return;
      const storeDir = path.dirname(file);
      const base = path.basename(file);
      const files = readdirSync(storeDir).filter((f) => f.startsWith(base));
      expect(files).toContain(`${base}-wal`);
      for (const file of files) {
        const bytes = readFileSync(path.join(storeDir, file));
        for (const canary of CANARIES) expect(bytes.includes(canary), `${file} holds ${canary}`).toBe(false);
      }
      // The raw bytes are readable: what was stored is found in them.
      expect(files.some((f) => readFileSync(path.join(storeDir, f)).includes('backup.restore'))).toBe(true);
    });

    it('no canary in the logs', () => {
      const text = logs.join('');
      expect(text).toContain('backup stored');
      for (const canary of CANARIES) expect(text).not.toContain(canary);
    });
  },
);
