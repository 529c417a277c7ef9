import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { RunRecorder } from '../../src/runs/recorder.js';
import { Runs } from '../../src/runs/runs.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const PASSPHRASE = 'canary-api-passphrase-77c3';

describe.each(STORE_KINDS)('backups through the API and /metrics on a serving node (%s store)', (kind) => {
  let test: TestStore;
  let node: RunningNode;
  let base: string;
  let viewer: string;
  let operator: string;
  let admin: string;
  let dir: string;
  const responses: string[] = [];

  beforeAll(async () => {
    test = await createTestStore(kind);
    const stack = stackFrom(
      `version: 1
stack: backups-api
repositories:
  here: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: here
    rpo: 1d
    drill:
      assert: [ { sql: "select count(*) from notes", expect: "value == 3" } ]
      rto: 5m
  broken:
    source: { sqlite: { path: missing.db } }
    repository: here
`,
      { PASSPHRASE },
    );
    const db = new Database(path.join(stack.dir, 'app.db'));
    db.exec(
      "create table notes (id integer primary key, body text); insert into notes (body) values ('a'), ('b'), ('c');",
    );
    db.close();
    node = await startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack: { config: stack.config, configPath: stack.configPath },
    });
    base = node.address;
    const tokens = new TokenService(node.store);
    viewer = (await tokens.create({ name: 'v', role: 'viewer' })).token;
    operator = (await tokens.create({ name: 'o', role: 'operator' })).token;
    admin = (await tokens.create({ name: 'a', role: 'admin' })).token;
    dir = stack.dir;
  });
  afterAll(async () => {
    await node?.stop('test over');
    await test?.destroy();
  });

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    responses.push(text);
    return { status: response.status, body: JSON.parse(text) as Record<string, any> };
  };
  /** Queues an action and waits for its job to end; returns the job. */
  const perform = async (name: string, action: string) => {
    const queued = await call('POST', `/api/v1/backups/${name}/${action}`, operator);
    expect(queued.status).toBe(202);
    const id = queued.body.job.id as number;
    return until(async () => {
      const { body } = await call('GET', `/api/v1/jobs/${id}`, viewer);
      return ['completed', 'failed'].includes(body.job.status) ? body.job : undefined;
    }, `job ${id} to end`);
  };

  it('queues a backup and a drill, then shows the snapshot, the runs and their steps', async () => {
    expect((await perform('app', 'run')).status).toBe('completed');
    expect((await perform('app', 'drill')).status).toBe('completed');

    const one = await call('GET', '/api/v1/backups/app', viewer);
    expect(one.status).toBe(200);
    expect(one.body.snapshots).toHaveLength(1);
    expect(one.body.snapshots[0].source.rows).toEqual({ notes: 3 });
    expect(one.body.backup).toMatchObject({
      name: 'app',
      source: 'sqlite',
      repository: 'here',
      rpoMs: 86_400_000,
      rtoMs: 300_000,
      lastSuccess: { status: 'succeeded', summary: { snapshot: one.body.snapshots[0].id } },
      lastDrill: { status: 'succeeded' },
      lastVerify: null,
    });

    const drills = await call('GET', '/api/v1/backups/app/runs?kind=drill', viewer);
    expect(drills.body.runs.map((r: { kind: string; trigger: string }) => [r.kind, r.trigger])).toEqual([
      ['drill', 'api'],
    ]);
    const detail = await call('GET', `/api/v1/backups/app/runs/${drills.body.runs[0].id}`, viewer);
    expect(detail.body.run.steps.map((s: { name: string; outcome: string }) => [s.name, s.outcome])).toEqual([
      ['restore', 'pass'],
      ['sql: select count(*) from notes (value == 3)', 'pass'],
      ['dispose', 'pass'],
    ]);
    const all = await call('GET', '/api/v1/backups', viewer);
    expect(all.body.backups.map((b: { name: string }) => b.name)).toEqual(['app', 'broken']);
  });

  it('records a failed backup with its error, and exposes it all in /metrics that promtool accepts', async () => {
    const queued = await call('POST', '/api/v1/backups/broken/run', operator);
    expect(queued.status).toBe(202);
    const runs = await until(async () => {
      const { body } = await call('GET', '/api/v1/backups/broken/runs', viewer);
      return body.runs[0]?.status === 'failed' ? body : undefined;
    }, 'the failed run');
    expect(runs.runs[0]).toMatchObject({ kind: 'backup', status: 'failed', trigger: 'api' });
    // The job is queued again for a later attempt, with the error it met.
    const job = await until(async () => {
      const { body } = await call('GET', `/api/v1/jobs/${queued.body.job.id}`, viewer);
      return body.job.attempts === 1 && body.job.status === 'queued' ? body.job : undefined;
    }, 'the retry');
    expect(job.lastError).toMatch(/missing\.db/);
    expect((await call('POST', '/api/v1/backups/broken/run', operator)).status).toBe(409);
    expect(runs.runs[0].summary.error).toMatch(/missing\.db/);

    const text = await (await fetch(`${base}/metrics`)).text();
    responses.push(text);
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const app = '{backup="app",repository="here"}';
    expect(value(`dayshift_backup_last_success_timestamp_seconds${app}`)).toBeGreaterThan(
      Date.now() / 1000 - 600,
    );
    expect(value(`dayshift_backup_last_success_size_bytes${app}`)).toBeGreaterThan(1000);
    expect(value(`dayshift_backup_last_success_duration_seconds${app}`)).toBeGreaterThanOrEqual(0);
    expect(value(`dayshift_backup_drill_last_success${app}`)).toBe(1);
    expect(value(`dayshift_backup_drill_last_rto_seconds${app}`)).toBeGreaterThan(0);
    expect(value(`dayshift_backup_rto_target_seconds${app}`)).toBe(300);
    expect(value(`dayshift_backup_rpo_target_seconds${app}`)).toBe(86_400);
    expect(value('dayshift_backup_last_run_success{backup="broken",repository="here"}')).toBe(0);
    expect(
      value('dayshift_backup_last_success_timestamp_seconds{backup="broken",repository="here"}'),
    ).toBeUndefined();

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (see .ci/run)').toBeUndefined();
    expect(promtool.stdout + promtool.stderr).toBe('');
    expect(promtool.status).toBe(0);
  });

  it('restores into another file as an operator, and over the original only as an admin with force', async () => {
    const jobEnd = async (id: number) =>
      until(async () => {
        const { body } = await call('GET', `/api/v1/jobs/${id}`, viewer);
        return ['completed', 'failed'].includes(body.job.status) ? body.job : undefined;
      }, `job ${id} to end`);
    const notes = (file: string) => {
      const db = new Database(path.join(dir, file), { readonly: true });
      const n = db.prepare('select count(*) from notes').pluck().get();
      db.close();
      return n;
    };
    const copy = await call('POST', '/api/v1/backups/app/restore', operator, { to: 'copy.db' });
    expect(copy.status).toBe(202);
    expect(copy.body.snapshot).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    const copied = await jobEnd(copy.body.job.id);
    expect(copied.status).toBe('completed');
    expect(copied.result).toMatchObject({ snapshot: copy.body.snapshot, safetySnapshot: null });
    expect(notes('copy.db')).toBe(3);

    const overAsOperator = await call('POST', '/api/v1/backups/app/restore', operator, { force: true });
    expect(overAsOperator.status).toBe(403);
    expect(overAsOperator.body.error.message).toBe('restoring app over the original needs the admin role');
    const forcedAsOperator = await call('POST', '/api/v1/backups/app/restore', operator, {
      to: 'copy.db',
      force: true,
    });
    expect(forcedAsOperator.status).toBe(403);
    // A target that holds data is a conflict with what is there, refused before anything is queued.
    const jobsBefore = (await call('GET', '/api/v1/jobs?limit=1000', viewer)).body.jobs.length;
    const withoutForce = await call('POST', '/api/v1/backups/app/restore', admin, {});
    expect(withoutForce.status).toBe(409);
    expect(withoutForce.body.error).toMatchObject({
      code: 'RESTORE_TARGET_OCCUPIED',
      message: expect.stringMatching(/app\.db holds data; restoring app over it replaces that data$/),
    });
    expect(withoutForce.body.error.hint).toMatch(/"force": true/);
    const intoCopyAgain = await call('POST', '/api/v1/backups/app/restore', operator, { to: 'copy.db' });
    expect(intoCopyAgain.status).toBe(409);
    expect(intoCopyAgain.body.error).toMatchObject({
      code: 'RESTORE_TARGET_OCCUPIED',
      message: expect.stringMatching(/copy\.db is not empty$/),
    });
    expect((await call('GET', '/api/v1/jobs?limit=1000', viewer)).body.jobs.length).toBe(jobsBefore);

    const over = await call('POST', '/api/v1/backups/app/restore', admin, { force: true });
    expect(over.status).toBe(202);
    const restored = await jobEnd(over.body.job.id);
    expect(restored.status).toBe('completed');
    expect(restored.result.safetySnapshot).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(notes('app.db')).toBe(3);
    const restores = await call('GET', '/api/v1/backups/app/runs?kind=restore', viewer);
    expect(restores.body.runs.map((r: { status: string; trigger: string }) => [r.status, r.trigger])).toEqual(
      [
        ['succeeded', 'api'],
        ['succeeded', 'api'],
      ],
    );
    expect(
      (await call('POST', '/api/v1/backups/app/restore', operator, { snapshot: 'nope', to: 'x.db' })).status,
    ).toBe(404);
  });

  it('refuses a viewer, names an unknown backup, and never shows the passphrase', async () => {
    expect((await call('POST', '/api/v1/backups/app/run', viewer)).status).toBe(403);
    const unknown = await call('GET', '/api/v1/backups/ap', viewer);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('no backup named ap in the stack file');
    expect(unknown.body.error.hint).toMatch(/app/);
    expect((await call('GET', '/api/v1/backups/app/runs/999999', viewer)).status).toBe(404);
    expect(responses.length).toBeGreaterThan(10);
    for (const text of responses) expect(text).not.toContain(PASSPHRASE);
  });

  // Last: the runs it adds would otherwise be the newest drills the tests above read.
  it("shows a run's evidence: a list without contents, each item with its content, only under its own backup", async () => {
    const runs = new Runs(node.store.db, systemClock);
    const recorder = await RunRecorder.start(runs, systemClock, 'drill', 'app', 'test');
    const output = `restored into scratch\npassphrase was ${PASSPHRASE}\n`;
    const item = await recorder.evidence({
      name: 'restore output',
      kind: 'output',
      content: output,
      step: 1,
    });
    await recorder.finish('succeeded', {});
    const other = await RunRecorder.start(runs, systemClock, 'drill', 'broken', 'test');
    await other.finish('failed', {});

    const list = await call('GET', `/api/v1/backups/app/runs/${recorder.runId}/evidence`, viewer);
    expect(list.status).toBe(200);
    const scrubbed = output.replace(PASSPHRASE, '[redacted]');
    expect(list.body.evidence).toEqual([
      {
        id: item.id,
        runId: recorder.runId,
        step: 1,
        name: 'restore output',
        kind: 'output',
        size: Buffer.byteLength(scrubbed),
        sha256: createHash('sha256').update(scrubbed).digest('hex'),
        truncated: false,
        capturedAt: expect.any(Number),
      },
    ]);
    const one = await call('GET', `/api/v1/backups/app/runs/${recorder.runId}/evidence/${item.id}`, viewer);
    expect(one.status).toBe(200);
    expect(one.body.evidence).toMatchObject({ id: item.id, content: scrubbed });
    // Not through another backup's name, nor another run's id.
    expect((await call('GET', `/api/v1/backups/broken/runs/${recorder.runId}/evidence`, viewer)).status).toBe(
      404,
    );
    const elsewhere = await call(
      'GET',
      `/api/v1/backups/broken/runs/${other.runId}/evidence/${item.id}`,
      viewer,
    );
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});
