import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentsFeature } from '../../src/incidents/feature.js';
import { DEADLINE_KIND, Incidents } from '../../src/incidents/incidents.js';
import { INCIDENT_MESSAGE_KIND } from '../../src/incidents/notify-job.js';
import { readTimeline } from '../../src/incidents/records.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import { FEATURES } from '../../src/runtime/features.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import type { Store } from '../../src/store/index.js';
import { type Clock, ManualClock, systemClock } from '../../src/util/clock.js';
import { startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { MIN, runbook002Yaml, startMailSink } from './escalation-fixtures.js';

/** Waits until no incident job due now is queued or running: the node's worker has run what came due. */
async function drained(store: Store, clock: Clock): Promise<void> {
  await until(async () => {
    const row = await store.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', 'in', [DEADLINE_KIND, INCIDENT_MESSAGE_KIND])
      .where('status', 'in', ['queued', 'running'])
      .where('run_at', '<=', clock.now())
      .executeTakeFirstOrThrow();
    return Number(row.n) === 0 ? true : undefined;
  }, 'the incident jobs due now to finish');
}

/**
 * A deadline is a job in the store, not a timer in a process: a node that stops between an incident's
 * opening and its deadline, and a new node started on the same store, escalate on time.
 */
describe.each(STORE_KINDS)('escalation across a restart, on a manual clock (%s store)', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  let test: TestStore;
  let store: Store;
  let hooks: Receiver;
  let mail: Awaited<ReturnType<typeof startMailSink>>;
  let stack: ReturnType<typeof stackFrom>;
  let node: RunningNode | undefined;

  beforeAll(async () => {
    hooks = await Receiver.start();
    mail = await startMailSink();
    test = await createTestStore(kind);
    store = await test.open();
    stack = stackFrom(runbook002Yaml(hooks.url, mail.port));
  });
  afterAll(async () => {
    await node?.stop('test over');
    await test?.destroy();
    await hooks?.close();
    await mail?.close();
  });

  const start = () =>
    startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      clock,
      features: FEATURES,
      stack: { config: stack.config, configPath: stack.configPath },
    });

  it('escalates at the deadline on the node started after the one that opened the incident stopped', async () => {
    node = await start();
    const incidents = node.use(incidentsFeature) as Incidents;
    const incident = await incidents.open({
      title: 'Checkout fails',
      severity: 'critical',
      services: ['web'],
      actor: 'cli:alice',
    });
    clock.advance(5 * MIN);
    await node.stop('restart');
    node = undefined;

    clock.advance(5 * MIN);
    node = await start();
    clock.advance(5 * MIN - 1);
    await drained(store, clock);
    expect(hooks.received).toHaveLength(0);
    clock.advance(1);
    await until(() => (hooks.received.length === 1 && mail.mails.length === 1) || undefined, 'the two pages');
    await drained(store, clock);
    const missed = (await readTimeline(store.db, incident.id)).find((e) => e.type === 'deadline.missed');
    expect(missed?.data).toEqual({ deadline: 'respond', due: incident.openedAt + 15 * MIN, late: 0 });
    expect(missed?.at).toBe(incident.openedAt + 15 * MIN);
  });
});

/**
 * The same on the real clock, with whole nodes in their own processes: a 6-second response time (a
 * node process takes a few seconds to start), the node that queued the deadline stopped with SIGTERM
 * at once, a second node started on the store.
 */
describe('escalation across a restart, on the real clock', () => {
  let test: TestStore;
  let store: Store;
  let hooks: Receiver;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    hooks = await Receiver.start();
    test = await createTestStore('postgres');
    store = await test.open();
  });
  afterAll(async () => {
    if (child) await stopNodeProcess(child);
    await test?.destroy();
    await hooks?.close();
  });

  it('pages once the 6 seconds have passed, from the node that started after the restart', async () => {
    const { config, configPath } = stackFrom(`version: 1
services:
  web: { driver: none }
notifiers:
  hook: { webhook: { url: "${hooks.url}/oncall" } }
incidents:
  severities:
    critical: { respond_within: 6s, escalate: [notifier:hook] }
`);
    child = await startNodeProcess(configPath, test.options);
    const incidents = new Incidents({
      store,
      queue: new JobQueue(store, { clock: systemClock }),
      clock: systemClock,
      config,
    });
    const incident = await incidents.open({
      title: 'Checkout fails',
      severity: 'critical',
      actor: 'cli:alice',
    });
    await stopNodeProcess(child);
    child = await startNodeProcess(configPath, test.options);
    const due = incident.openedAt + 6_000;
    // Late by the time the restart took past the deadline, if it did, and no more than a poll or two.
    const allowed = Math.max(0, Date.now() - due) + 1_000;

    const page = await until(() => hooks.received[0], 'the page', 20_000);
    expect(page.at).toBeGreaterThanOrEqual(due);
    const timeline = await readTimeline(store.db, incident.id);
    const missed = timeline.find((e) => e.type === 'deadline.missed');
    expect(missed?.data).toMatchObject({ deadline: 'respond', due });
    // A due job is claimed at the worker's next poll (100 ms).
    expect(Number(missed?.data?.late)).toBeLessThan(allowed);
    expect(timeline.filter((e) => e.type === 'escalated')).toHaveLength(1);
    expect(hooks.received).toHaveLength(1);
  });
});
