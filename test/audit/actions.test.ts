import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { listAudit } from '../../src/audit/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { CLI } from '../helpers/built-cli.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);

/** Secrets that must never reach the audit log, whichever way an action carries them. */
const PASSPHRASE = 'canary-audit-passphrase-3e1d';
const HOOK_SECRET = 'canary-audit-hook-secret-b7a0';
const HOOK_URL = 'http://127.0.0.1:1/canary-audit-hook-path-91fc';
const RESTORE_PASSWORD = 'canary-audit-restore-pw-5c2e';

describe.each(STORE_KINDS)(
  'the audit log holds every action, from the API and the CLI (%s store)',
  (kind) => {
    let test: TestStore;
    let node: RunningNode;
    let configPath: string;
    let operator: string;
    let admin: string;
    /** Token values handed out during the test: canaries too. */
    const tokenValues: string[] = [];
    // The user is read from the process's uid, not from $USER, which the CLI below is given as a decoy.
    const cliActor = `cli:${userInfo().username}@${hostname()}`;
    const queuedJobs: number[] = [];

    beforeAll(async () => {
      test = await createTestStore(kind);
      const stack = stackFrom(
        `version: 1
stack: audit
${storeYaml(test.options)}
repositories:
  here: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: here
    drill:
      assert: [ { sql: "select count(*) from notes", expect: "value == 1" } ]
notifiers:
  hook: { webhook: { url: "\${HOOK_URL}", secret: "\${HOOK_SECRET}" } }
runbooks:
  gated:
    steps: [ { approve: "go on?" } ]
  quick:
    steps: [ { shell: "true" } ]
people:
  ann: { notify: [hook] }
oncall:
  ops: { members: [ann], shift: 1d, timezone: Europe/Berlin }
`,
        { PASSPHRASE, HOOK_URL, HOOK_SECRET },
      );
      configPath = stack.configPath;
      const db = new Database(path.join(stack.dir, 'app.db'));
      db.exec(
        "create table notes (id integer primary key, body text); insert into notes (body) values ('a');",
      );
      db.close();
      node = await startNode({
        store: test.options,
        listen: '127.0.0.1:0',
        logger: silentLogger(),
        stack: { config: stack.config, configPath },
      });
      const tokens = new TokenService(node.store);
      operator = (await tokens.create({ name: 'op', role: 'operator' })).token;
      admin = (await tokens.create({ name: 'adm', role: 'admin' })).token;
      tokenValues.push(operator, admin);
    });
    afterAll(async () => {
      await node?.stop('test over');
      await test?.destroy();
    });

    const call = async (method: string, url: string, token: string, body?: unknown) => {
      const response = await fetch(`${node.address}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: JSON.parse(await response.text()) as Record<string, any> };
    };
    const cli = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, '--config', configPath, ...args], {
          env: { PATH: process.env.PATH ?? '', USER: 'auditor', PASSPHRASE, HOOK_URL, HOOK_SECRET },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };

    it('records each API action with its token, refusals included', async () => {
      const created = await call('POST', '/api/v1/tokens', admin, { name: 'temp', role: 'viewer' });
      expect(created.status).toBe(201);
      tokenValues.push(created.body.token);
      expect((await call('DELETE', '/api/v1/tokens/temp', admin)).status).toBe(200);
      const silence = await call('POST', '/api/v1/silences', operator, {
        matchers: ['service=app'],
        duration: '1h',
      });
      expect(silence.status).toBe(201);
      expect((await call('DELETE', `/api/v1/silences/${silence.body.silence.id}`, operator)).status).toBe(
        200,
      );
      const window = await call('POST', '/api/v1/maintenance', operator, { name: 'planned', duration: '1h' });
      expect(window.status).toBe(201);
      expect((await call('DELETE', `/api/v1/maintenance/${window.body.window.id}`, operator)).status).toBe(
        200,
      );
      expect((await call('POST', '/api/v1/maintenance', operator, { name: 'bad' })).status).toBe(400);
      expect((await call('POST', '/api/v1/alerts/999/ack', operator)).status).toBe(404);
      const queued = await call('POST', '/api/v1/backups/app/verify', operator);
      expect(queued.status).toBe(202);
      // A restore whose target carries a password is refused, and the password is not kept.
      const refused = await call('POST', '/api/v1/backups/app/restore', admin, {
        to: `postgres://app:${RESTORE_PASSWORD}@127.0.0.1:5432/copy`,
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect((await call('POST', '/api/v1/jobs/replay', operator)).status).toBe(200);
      for (const action of ['run', 'drill']) {
        const job = await call('POST', `/api/v1/backups/app/${action}`, operator);
        expect(job.status).toBe(202);
        queuedJobs.push(job.body.job.id);
      }
      queuedJobs.push(queued.body.job.id);
      expect((await call('POST', '/api/v1/jobs/999999/retry', operator)).status).toBe(404);
      expect((await call('POST', '/api/v1/jobs/999999/cancel', operator)).status).toBe(404);
      await call('POST', '/api/v1/jobs', operator, { kind: 'selftest', payload: { steps: 1 } });
      expect((await call('POST', '/api/v1/checks/nope/run', operator)).status).toBe(404);
      expect((await call('POST', '/api/v1/tokens', operator, { name: 'nope', role: 'admin' })).status).toBe(
        403,
      );
      const started = await call('POST', '/api/v1/runbooks/gated/runs', operator);
      expect(started.status).toBe(202);
      expect((await call('POST', `/api/v1/runs/${started.body.runId}/cancel`, operator)).status).toBe(200);
      expect((await call('POST', '/api/v1/runs/999999/approve', operator)).status).toBe(404);

      const entries = await listAudit(node.store.db, { limit: 1000 });
      const seen = (actor: string, action: string) =>
        entries.filter((e) => e.actor === actor && e.action === action);
      expect(seen('token:adm', 'token.create')[0]).toMatchObject({ target: 'temp', result: 'ok' });
      expect(seen('token:adm', 'token.revoke')[0]).toMatchObject({ target: 'temp', result: 'ok' });
      expect(seen('token:op', 'silence.create')[0]).toMatchObject({
        target: String(silence.body.silence.id),
        result: 'ok',
        params: { matchers: ['service=app'], duration: '1h' },
      });
      expect(seen('token:op', 'silence.expire')[0]).toMatchObject({ result: 'ok' });
      const windows = seen('token:op', 'maintenance.create');
      expect(windows.map((e) => [e.target, e.result])).toEqual([
        ['bad', 'refused: BAD_REQUEST'],
        ['planned', 'ok'],
      ]);
      expect(seen('token:op', 'alert.ack')[0]).toMatchObject({
        target: '999',
        result: 'refused: ALERT_NOT_FOUND',
      });
      expect(seen('token:op', 'backup.verify')[0]).toMatchObject({
        target: 'app',
        result: 'ok',
        params: { job: queued.body.job.id },
      });
      expect(seen('token:adm', 'backup.restore')[0]?.result).toMatch(/^refused: /);
      expect(seen('token:op', 'job.replay')[0]).toMatchObject({ result: 'ok' });
      expect(seen('token:op', 'job.retry')[0]).toMatchObject({
        target: '999999',
        result: 'refused: JOB_NOT_FOUND',
      });
      expect(seen('token:op', 'maintenance.end')[0]).toMatchObject({ result: 'ok' });
      expect(seen('token:op', 'check.run')[0]).toMatchObject({
        target: 'nope',
        result: 'refused: CHECK_NOT_FOUND',
      });
      expect(seen('token:op', 'backup.drill')[0]).toMatchObject({ target: 'app', result: 'ok' });
      expect(seen('token:op', 'token.create')[0]).toMatchObject({ result: 'refused: AUTH_FORBIDDEN' });
      expect(seen('token:op', 'runbook.run')[0]).toMatchObject({
        target: 'gated',
        result: 'ok',
        runId: started.body.runId,
      });
      expect(seen('token:op', 'run.cancel')[0]).toMatchObject({
        target: String(started.body.runId),
        result: 'ok',
      });
      expect(seen('token:op', 'run.approve')[0]).toMatchObject({
        target: '999999',
        result: 'refused: NOT_FOUND',
      });
    });

    it('records each CLI action with the operating-system user and host', async () => {
      // The jobs the API queued finish first, so the CLI's backups do not race them.
      for (const id of queuedJobs)
        await until(async () => {
          const { body } = await call('GET', `/api/v1/jobs/${id}`, operator);
          return ['completed', 'failed'].includes(body.job.status) ? true : undefined;
        }, `job ${id} to end`);
      const created = await cli('token', 'create', '--role', 'viewer', '--name', 'ci', '--json');
      expect(created.code, created.stderr).toBe(0);
      tokenValues.push(JSON.parse(created.stdout).token);
      expect((await cli('token', 'revoke', 'ci')).code).toBe(0);
      const silence = JSON.parse((await cli('silence', 'service=app', '--for', '30m', '--json')).stdout);
      expect((await cli('silence', '--expire', String(silence.id))).code).toBe(0);
      expect((await cli('ack', '4242')).code).toBe(2);
      const backup = await cli('backup', 'run', 'app', '--json');
      expect(backup.code, backup.stderr).toBe(0);
      const runId = JSON.parse(backup.stdout).runId as number;
      expect((await cli('backup', 'restore', 'app')).code).toBe(1);
      expect((await cli('backup', 'prune', 'app', '--dry-run')).code).toBe(0);
      expect((await cli('jobs', 'retry', '999999')).code).toBe(2);
      expect((await cli('backup', 'verify', 'app')).code).toBe(0);
      const drill = await cli('backup', 'drill', 'app');
      expect(drill.code, drill.stderr + drill.stdout).toBe(0);
      expect((await cli('jobs', 'replay', '--failed')).code).toBe(0);
      const selftest = JSON.parse((await cli('jobs', 'selftest', '--steps', '1', '--json')).stdout);
      await cli('jobs', 'cancel', String(selftest.id));
      const notify = await cli('notify', 'test', 'hook', '--timeout', '5');
      expect(notify.code).toBe(1);
      const quick = await cli('run', 'quick', '--json');
      expect(quick.code, quick.stderr).toBe(0);
      const runbookRun = JSON.parse(quick.stdout).id as number;
      expect((await cli('approve', '999999')).code).toBe(2);
      expect((await cli('run', 'cancel', String(runbookRun))).code).toBe(1);
      const override = await cli(
        ...[
          'oncall',
          'override',
          'ops',
          '--person',
          'ann',
          '--from',
          '2026-06-01T09:00',
          '--to',
          '2026-06-02',
        ],
        '--json',
      );
      expect(override.code, override.stderr).toBe(0);
      const overrideId = JSON.parse(override.stdout).id as number;
      expect((await cli('oncall', 'override', 'remove', String(overrideId))).code).toBe(0);

      const entries = await listAudit(node.store.db, { actor: cliActor, limit: 1000 });
      const seen = (action: string) => entries.filter((e) => e.action === action);
      expect(seen('token.create')[0]).toMatchObject({
        target: 'ci',
        result: 'ok',
        params: { role: 'viewer' },
      });
      expect(seen('token.revoke')[0]).toMatchObject({ target: 'ci', result: 'ok' });
      expect(seen('silence.create')[0]).toMatchObject({ target: String(silence.id), result: 'ok' });
      expect(seen('silence.expire')[0]).toMatchObject({ target: String(silence.id), result: 'ok' });
      expect(seen('alert.ack')[0]).toMatchObject({ target: '4242', result: 'refused: ALERT_NOT_FOUND' });
      expect(seen('backup.run')[0]).toMatchObject({ target: 'app', result: 'ok', runId });
      expect(seen('backup.restore')[0]).toMatchObject({
        target: 'app',
        result: 'refused: RESTORE_TARGET_OCCUPIED',
      });
      expect(seen('backup.prune')[0]).toMatchObject({
        target: 'app',
        result: 'ok',
        params: { dryRun: true },
      });
      expect(seen('job.retry')[0]).toMatchObject({ target: '999999', result: 'refused: JOB_NOT_FOUND' });
      expect(seen('notify.test')[0]?.result).toMatch(/^failed: /);
      expect(seen('runbook.run')[0]).toMatchObject({ target: 'quick', result: 'ok', runId: runbookRun });
      expect(seen('run.approve')[0]).toMatchObject({ target: '999999', result: 'refused: NOT_FOUND' });
      expect(seen('override.create')[0]).toMatchObject({
        target: 'ops',
        result: 'ok',
        params: { person: 'ann', from: '2026-06-01T09:00' },
      });
      expect(seen('override.remove')[0]).toMatchObject({ target: String(overrideId), result: 'ok' });
      expect(seen('run.cancel')[0]).toMatchObject({
        target: String(runbookRun),
        result: 'refused: RUN_STATE_CONFLICT',
        runId: runbookRun,
      });
    });

    it('records every incident change, from the API and the CLI, with the incident id as target', async () => {
      const changes = ['open', 'ack', 'assign', 'severity', 'update', 'note', 'resolve'].map(
        (a) => `incident.${a}`,
      );
      const opened = await call('POST', '/api/v1/incidents', operator, {
        title: 'Audit drill',
        severity: 'high',
      });
      expect(opened.status).toBe(201);
      const viaApi = String(opened.body.incident.id);
      for (const [path, body] of [
        ['ack', {}],
        ['assign', { person: 'dave' }],
        ['severity', { severity: 'critical' }],
        ['updates', { text: 'looking' }],
        ['notes', { text: 'internal' }],
        ['resolve', {}],
      ] as const)
        expect((await call('POST', `/api/v1/incidents/${viaApi}/${path}`, operator, body)).status, path).toBe(
          200,
        );
      const made = await cli('incident', 'open', '--severity', 'low', '--title', 'From the CLI', '--json');
      expect(made.code, made.stderr).toBe(0);
      const viaCli = String(JSON.parse(made.stdout).id);
      for (const args of [
        ['ack', viaCli],
        ['assign', viaCli, 'erin'],
        ['severity', viaCli, 'medium'],
        ['update', viaCli, 'looking'],
        ['note', viaCli, 'internal'],
        ['resolve', viaCli],
      ]) {
        const done = await cli('incident', ...args);
        expect(done.code, done.stderr).toBe(0);
      }
      const entries = await listAudit(node.store.db, { action: 'incident.', limit: 100 });
      const of = (target: string) =>
        entries
          .filter((e) => e.target === target)
          .map((e) => [e.action, e.actor, e.result])
          .sort();
      expect(of(viaApi)).toEqual(changes.map((a) => [a, 'token:op', 'ok']).sort());
      expect(of(viaCli)).toEqual(changes.map((a) => [a, cliActor, 'ok']).sort());
    });

    it('holds every action docs/audit.md lists, from the API and from the CLI', async () => {
      const doc = readFileSync(path.resolve('docs/audit.md'), 'utf8');
      const table = doc.slice(doc.indexOf('## Actions recorded'), doc.indexOf('Refused and failed'));
      const documented = [...table.matchAll(/^\| (.+?) \|/gm)]
        .flatMap((row) => [...(row[1] ?? '').matchAll(/`([a-z]+\.[a-z]+)`/g)].map((m) => m[1] ?? ''))
        .sort();
      expect(documented.length).toBeGreaterThan(15);
      const logged = new Set((await listAudit(node.store.db, { limit: 1000 })).map((e) => e.action));
      expect(documented.filter((action) => !logged.has(action))).toEqual([]);
      const cliLogged = new Set(
        (await listAudit(node.store.db, { actor: cliActor, limit: 1000 })).map((e) => e.action),
      );
      expect([...logged].filter((a) => !documented.includes(a))).toEqual([]);
      expect(cliLogged.size).toBeGreaterThanOrEqual(12);
    });

    it('keeps no secret in any entry: passphrase, webhook URL and secret, a password in a target, token values', async () => {
      const rows = await node.store.db.selectFrom('audit_log').selectAll().execute();
      expect(rows.length).toBeGreaterThan(15);
      const text = JSON.stringify(rows);
      for (const canary of [
        PASSPHRASE,
        HOOK_SECRET,
        HOOK_URL,
        'canary-audit-hook-path',
        RESTORE_PASSWORD,
        ...tokenValues,
      ])
        expect(text).not.toContain(canary);
    });

    it('is read through GET /api/v1/audit by an admin, with filters, and refused to an operator', async () => {
      expect((await call('GET', '/api/v1/audit', operator)).status).toBe(403);
      const mine = await call('GET', '/api/v1/audit?actor=token:op&action=silence.*', admin);
      expect(mine.status).toBe(200);
      const actions = (mine.body.entries as Array<{ action: string; actor: string }>)
        .map((e) => e.action)
        .sort();
      expect(actions).toEqual(['silence.create', 'silence.expire']);
      const page = await call('GET', '/api/v1/audit?limit=2', admin);
      expect(page.body.entries).toHaveLength(2);
      const older = await call('GET', `/api/v1/audit?limit=2&before=${page.body.entries[1].id}`, admin);
      expect(older.body.entries[0].id).toBeLessThan(page.body.entries[1].id);
      const byTarget = await call('GET', '/api/v1/audit?target=temp', admin);
      expect(byTarget.body.entries.map((e: { action: string }) => e.action).sort()).toEqual([
        'token.create',
        'token.revoke',
      ]);
      expect((await call('GET', '/api/v1/audit?since=1h', admin)).body.entries.length).toBeGreaterThan(0);
      expect(
        (await call('GET', `/api/v1/audit?until=${Date.now() - 3_600_000}`, admin)).body.entries,
      ).toEqual([]);
      expect((await call('GET', '/api/v1/audit?since=soon', admin)).status).toBe(400);
    });

    it('is read through dayshift audit, as JSON and as a table', async () => {
      const json = await cli('audit', '--action', 'backup.', '--actor', cliActor, '--json');
      expect(json.code, json.stderr).toBe(0);
      const actions = (JSON.parse(json.stdout) as Array<{ action: string }>).map((e) => e.action).sort();
      expect(actions).toEqual([
        'backup.drill',
        'backup.prune',
        'backup.restore',
        'backup.run',
        'backup.verify',
      ]);
      const table = await cli('audit', '--target', 'ci', '--since', '1h');
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/ID\s+AT\s+ACTOR\s+ACTION\s+TARGET\s+RESULT\s+RUN/);
      expect(table.stdout).toMatch(/token\.revoke/);
      expect((await cli('audit', '--limit', '0')).code).toBe(2);
    });
  },
);
