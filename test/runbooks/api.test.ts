/**
 * The runbooks API on a running node (in this process, embedded store): listing runbooks; starting a
 * run as an operator, with parameters checked (400) and the run's steps and evidence read back; an
 * approval through the API by the token the step names, refused to another; a cancel; a runbook that
 * restores over live data refused to an operator and started by an admin, as a restore over live data
 * is; the audit log naming who started, approved and cancelled which run.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { stackFrom } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

let node: RunningNode;
const token = { viewer: '', operator: '', admin: '', alice: '' };

beforeAll(async () => {
  const stack = stackFrom(`version: 1
repositories:
  here: { local: { path: vault, passphrase: "api-runbooks-passphrase-1" } }
backups:
  notes:
    source: { files: { paths: [ notes ] } }
    repository: here
runbooks:
  hello:
    params:
      who: { type: string, default: ops }
    steps:
      - name: greet
        shell: echo "hello {{ params.who }}" | tee greeting.txt
  gated:
    steps:
      - approve: { message: "go?", approvers: [alice], timeout: 1m }
      - shell: echo approved
  long:
    steps:
      - shell: sleep 600
  put-back:
    steps:
      - restore: notes
  ticker:
    on: { schedule: "* * * * * *", params: { note: scheduled } }
    max_runs: 1
    params:
      note: { type: string, default: by-hand }
    steps:
      - shell: echo "tick {{ params.note }}"
`);
  writeFileSync(path.join(stack.dir, 'notes'), 'x');
  node = await startNode({
    store: { sqlitePath: path.join(stack.dir, 'state.db') },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    stack: { config: stack.config, configPath: stack.configPath },
  });
  const tokens = new TokenService(node.store);
  token.viewer = (await tokens.create({ name: 'viewer', role: 'viewer' })).token;
  token.operator = (await tokens.create({ name: 'operator', role: 'operator' })).token;
  token.admin = (await tokens.create({ name: 'admin', role: 'admin' })).token;
  token.alice = (await tokens.create({ name: 'alice', role: 'operator' })).token;
});
afterAll(async () => {
  await node?.stop('test');
});

async function call(method: string, url: string, bearer: string, body?: unknown) {
  const response = await fetch(`${node.address}/api/v1${url}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const ended = (runId: number) =>
  until(async () => {
    const { body } = await call('GET', `/runs/${runId}`, token.viewer);
    return ['running', 'waiting'].includes(body.run.status) ? undefined : body.run;
  }, `run ${runId} to end`);

describe('the runbooks API', () => {
  it('lists runbooks with their parameters and triggers', async () => {
    const { status, body } = await call('GET', '/runbooks', token.viewer);
    expect(status).toBe(200);
    expect(body.runbooks.map((r: { name: string }) => r.name)).toEqual([
      'hello',
      'gated',
      'long',
      'put-back',
      'ticker',
    ]);
    expect(body.runbooks[4].on).toEqual([{ schedule: '* * * * * *' }]);
    expect(body.runbooks[0].params.who).toMatchObject({ type: 'string', default: 'ops' });
  });

  it('starts a run for an operator, checks its parameters, and shows its steps', async () => {
    expect((await call('POST', '/runbooks/hello/runs', token.viewer, {})).status).toBe(403);
    const bad = await call('POST', '/runbooks/hello/runs', token.operator, { params: { whom: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('PARAM_INVALID');
    const started = await call('POST', '/runbooks/hello/runs', token.operator, { params: { who: 'api' } });
    expect(started.status).toBe(202);
    const run = await ended(started.body.runId);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('api:operator');
    expect(run.steps[0].result.output).toBe('hello api\n');
    const listed = (await call('GET', '/runs?name=hello', token.viewer)).body.runs;
    expect(listed[0].id).toBe(started.body.runId);
  });

  it('takes an approval from the token the step names, and refuses another', async () => {
    const started = await call('POST', '/runbooks/gated/runs', token.operator, {});
    const runId = started.body.runId as number;
    await until(
      async () =>
        (await call('GET', `/runs/${runId}`, token.viewer)).body.run.status === 'waiting' ? true : undefined,
      'the run to wait',
    );
    const refused = await call('POST', `/runs/${runId}/approve`, token.operator, {});
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('APPROVER_NOT_ALLOWED');
    const approved = await call('POST', `/runs/${runId}/approve`, token.alice, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ runId, approved: 'approve', by: 'alice' });
    const run = await ended(runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].result.result.approvedBy).toBe('alice');
  });

  it('cancels a run, which stops its step', async () => {
    const started = await call('POST', '/runbooks/long/runs', token.operator, {});
    const runId = started.body.runId as number;
    await until(
      async () =>
        (await call('GET', `/runs/${runId}`, token.viewer)).body.run.summary?.groups?.length
          ? true
          : undefined,
      'the step to start',
    );
    const cancelled = await call('POST', `/runs/${runId}/cancel`, token.operator, { reason: 'not now' });
    expect(cancelled.status).toBe(200);
    const run = await ended(runId);
    expect(run.status).toBe('cancelled');
    expect(run.summary).toMatchObject({ cancelledBy: 'operator', reason: 'not now' });
    expect((await call('POST', `/runs/${runId}/cancel`, token.operator, {})).status).toBe(409);
  });

  it('needs an admin to start a runbook that restores over live data', async () => {
    const refused = await call('POST', '/runbooks/put-back/runs', token.operator, {});
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('restores notes over live data, which needs the admin role');
    const started = await call('POST', '/runbooks/put-back/runs', token.admin, {});
    expect(started.status).toBe(202);
    const run = await ended(started.body.runId);
    // There is no snapshot yet: the step fails saying so, and the run with it.
    expect(run.status).toBe('failed');
  });

  it("starts a runbook on its schedule with the trigger's parameters, and skips turns past max_runs", async () => {
    const runs = await until(async () => {
      const { body } = await call('GET', '/runs?name=ticker', token.viewer);
      return body.runs.length > 0 && body.runs[0].status === 'succeeded' ? body.runs : undefined;
    }, 'the scheduled run to end');
    const run = (await call('GET', `/runs/${runs[0].id}`, token.viewer)).body.run;
    expect(run.trigger).toBe('schedule');
    expect(run.steps[0].result.output).toBe('tick scheduled\n');
    // Later turns within the hour open no run: max_runs is 1.
    const jobs = await until(async () => {
      const { body } = await call('GET', '/jobs?kind=runbook.scheduled&status=completed', token.viewer);
      const skipped = (body.jobs as Array<{ result: { skipped?: string } | null }>).filter(
        (j) => j.result?.skipped,
      );
      return skipped.length > 0 ? skipped : undefined;
    }, 'a skipped turn');
    expect(jobs[0]?.result?.skipped).toContain('max_runs');
    expect((await call('GET', '/runs?name=ticker', token.viewer)).body.runs).toHaveLength(1);
  });

  it('records who started, approved and cancelled which run in the audit log', async () => {
    const { body } = await call('GET', '/audit?limit=100', token.admin);
    const lines = body.entries.map(
      (e: { actor: string; action: string; result: string; runId: number | null }) =>
        `${e.actor} ${e.action} ${e.result.split(':')[0]} ${e.runId === null ? '-' : 'run'}`,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'token:operator runbook.run ok run',
        'token:operator runbook.run refused -',
        'token:operator run.cancel refused run',
        'token:alice run.approve ok run',
        'token:operator run.approve refused run',
        'token:operator run.cancel ok run',
        'token:admin runbook.run ok run',
      ]),
    );
  });
});
