/**
 * Runbooks on whole nodes, each in its own process, sharing one PostgreSQL store:
 * (The alert scenario runs first: a node killed with SIGKILL counts as alive for the membership lease,
 * 30 s, and may hold the checks a later node needs until then.)
 * - the API starts a run (202 with its id), streams its steps as server-sent events, refuses a second
 *   run naming the first, and cancels it;
 * - a node killed with SIGKILL mid-run leaves its run to another node, which closes it as interrupted
 *   and kills the process group the killed node's step left running;
 * - an alert that fires starts the runbook that asks for it: a Redis list grows, the backlog check
 *   fires, the runbook drains the list and waits for the check; the alert resolves; the firing
 *   notification names the run; a runbook that fails escalates its alert with a second notification.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import type { Store } from '../../src/store/index.js';
import { addressOf, killNodeProcess, startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const PREFIX = `dayshift-test-runbooks-${process.pid}`;
const BACKLOG = `${PREFIX}:backlog`;
const STUCK = `${PREFIX}:stuck`;

let test: TestStore;
let store: Store;
let receiver: Receiver;
let redis: Redis;
let token: string;
let stack: ReturnType<typeof stackFrom>;
const nodes: ChildProcess[] = [];
/** Process groups of steps whose node was killed, killed at the end should the test fail before. */
const orphans: number[] = [];

beforeAll(async () => {
  test = await createTestStore('postgres');
  store = await test.open();
  receiver = await Receiver.start();
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.del(BACKLOG, STUCK);
  token = (await new TokenService(store).create({ name: 'ops', role: 'operator' })).token;
  stack = stackFrom(`version: 1
notifiers:
  ops: { webhook: { url: "${receiver.url}/hook" } }
alerting: { group_interval: 0s }
services:
  worker:
    checks:
      backlog:
        redis: { url: "redis://127.0.0.1:6379", llen: "${BACKLOG}" }
        expect: [ "value < 5" ]
        every: 500ms
        retries: 1
        notify: [ ops ]
      stuck:
        redis: { url: "redis://127.0.0.1:6379", llen: "${STUCK}" }
        expect: [ "value < 1" ]
        every: 500ms
        retries: 1
        notify: [ ops ]
runbooks:
  drain:
    on: { alert: "check:worker.backlog" }
    steps:
      - check: worker.backlog
        continue_on_error: true
      - shell: redis-cli -h 127.0.0.1 del ${BACKLOG}
      - wait: { check: worker.backlog, until: "value < 5", timeout: 20s, every: 200ms }
  hopeless:
    on: { alert: { labels: { check: stuck } } }
    steps:
      - shell: "echo the worker will not start; exit 1"
  long:
    steps:
      - name: started
        shell: echo started
      - name: sleeper
        shell: "sleep 600 & echo $$! > sleeper.pid; sleep 600"
`);
});

afterAll(async () => {
  for (const node of nodes) await killNodeProcess(node).catch(() => {});
  for (const group of orphans) for (const member of groupMembers(group)) process.kill(member, 'SIGKILL');
  const pidFile = path.join(stack.dir, 'sleeper.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (const member of groupMembers(pgidOf(pid) ?? -1)) process.kill(member, 'SIGKILL');
  }
  await redis.del(BACKLOG, STUCK).catch(() => 0);
  redis.disconnect();
  await receiver.close();
  await test.destroy();
});

function pgidOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
  } catch {
    return undefined;
  }
}

async function node(): Promise<ChildProcess> {
  const child = await startNodeProcess(stack.configPath, test.options, { LEASE_MS: '1000' });
  nodes.push(child);
  return child;
}

async function api(child: ChildProcess, method: string, url: string, body?: unknown) {
  const response = await fetch(`${addressOf(child)}/api/v1${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

interface Hooked {
  alerts: Array<{
    id: number;
    key: string;
    event: string;
    remediation?: Array<{ runbook: string; runId: number | null; status: string; url: string | null }>;
  }>;
}

const hooks = (): Hooked[] => receiver.received.map((r) => JSON.parse(r.body) as Hooked);

describe('a runbook started by the alert it remedies', () => {
  it('drains the backlog, names its run in the firing notification, and the alert resolves', async () => {
    receiver.received.length = 0;
    const n = await node();
    await redis.rpush(BACKLOG, ...Array.from({ length: 20 }, (_, i) => `job-${i}`));
    const firing = await until(
      () =>
        hooks()
          .flatMap((h) => h.alerts)
          .find((a) => a.key === 'check:worker.backlog' && a.event === 'firing'),
      'the firing notification of the backlog alert',
      30_000,
    );
    const remediation = firing.remediation?.[0];
    expect(remediation).toMatchObject({ runbook: 'drain', status: 'running' });
    const runId = remediation?.runId as number;
    expect(remediation?.url).toBe(`/api/v1/runs/${runId}`);
    await until(
      () =>
        hooks()
          .flatMap((h) => h.alerts)
          .find((a) => a.key === 'check:worker.backlog' && a.event === 'resolved'),
      'the backlog alert to resolve',
      30_000,
    );
    const run = await until(async () => {
      const { body } = await api(n, 'GET', `/runs/${runId}`);
      return body.run.status === 'running' ? undefined : body.run;
    }, 'the run to end');
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toMatch(/^alert:check:worker\.backlog#\d+$/);
    expect(run.steps.map((s: { name: string; outcome: string }) => `${s.name}:${s.outcome}`)).toEqual([
      'check:fail',
      'shell:pass',
      'wait:pass',
    ]);
    expect(await redis.llen(BACKLOG)).toBe(0);

    // A runbook that fails does not hide its alert: it is escalated to the same notifiers.
    await redis.rpush(STUCK, 'job');
    const escalated = await until(
      () =>
        hooks()
          .flatMap((h) => h.alerts)
          .find((a) => a.key === 'check:worker.stuck' && a.event === 'escalated'),
      'the escalation of the stuck alert',
      30_000,
    );
    expect(escalated.remediation?.[0]).toMatchObject({ runbook: 'hopeless', status: 'failed' });
    await redis.del(STUCK);
    await stopNodeProcess(n);
  });
});

describe('runbooks over the API, across nodes', () => {
  it('starts a run, streams its steps, refuses a second, and the run survives its node only as interrupted', async () => {
    const a = await node();
    const started = await api(a, 'POST', '/runbooks/long/runs', { params: {} });
    expect(started.status).toBe(202);
    const runId = started.body.runId as number;
    expect(started.body.url).toBe(`/api/v1/runs/${runId}`);

    // Its steps arrive as events while it runs.
    const events = await fetch(`${addressOf(a)}/api/v1/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    await until(async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes('event: step') ? true : undefined;
    }, 'the first step event');
    expect(text).toContain('"name":"started"');
    await reader.cancel();

    const second = await api(a, 'POST', '/runbooks/long/runs', {});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('RUNBOOK_BUSY');
    expect(second.body.error.message).toContain(`run ${runId} (running)`);

    const pidFile = path.join(stack.dir, 'sleeper.pid');
    await until(() => (existsSync(pidFile) ? true : undefined), 'the sleeper step to start');
    const firstSleeper = readFileSync(pidFile, 'utf8').trim();
    const firstGroup = pgidOf(Number(firstSleeper)) ?? -1;
    orphans.push(firstGroup);
    // The run's record names the step's process group while it runs.
    await until(async () => {
      const { body } = await api(a, 'GET', `/runs/${runId}`);
      return (body.run.summary?.groups ?? []).some((g: { pid: number }) => g.pid === firstGroup)
        ? true
        : undefined;
    }, 'the run to record its step group');
    const b = await node();
    await killNodeProcess(a);
    const closed = await until(
      async () => {
        const { body } = await api(b, 'GET', `/runs/${runId}`);
        return body.run.status === 'running' ? undefined : body.run;
      },
      'another node to close the run of the killed one',
      20_000,
      200,
    );
    expect(closed.status).toBe('failed');
    expect(JSON.stringify(closed.summary)).toContain('interrupted');
    // The killed node's step left `sleep 600` and its child behind; the node that closed the run killed them.
    expect(JSON.stringify(closed.summary)).toContain(
      `the processes its step left (group ${firstGroup}) were killed`,
    );
    await until(
      () => (groupMembers(firstGroup).length === 0 ? true : undefined),
      `group ${firstGroup} to be gone`,
      10_000,
    );
    // A new run can start now that the dead one is closed; cancelled, it stops its step's processes.
    const again = await api(b, 'POST', '/runbooks/long/runs', {});
    expect(again.status).toBe(202);
    await until(() => {
      const pid = readFileSync(pidFile, 'utf8').trim();
      return pid && pid !== firstSleeper ? true : undefined;
    }, 'the new sleeper to start');
    const group = pgidOf(Number(readFileSync(pidFile, 'utf8')));
    const cancelled = await api(b, 'POST', `/runs/${again.body.runId}/cancel`, { reason: 'test' });
    expect(cancelled.status).toBe(200);
    await until(
      () => (group !== undefined && groupMembers(group).length === 0 ? true : undefined),
      'the cancelled step group to be gone',
      10_000,
    );
    await stopNodeProcess(b);
  });
});
