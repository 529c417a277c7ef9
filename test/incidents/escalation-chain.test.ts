import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceCalendar } from '../../src/alerts/maintenance.js';
import type { StackConfig } from '../../src/config/schema.js';
import { DEADLINE_KIND } from '../../src/incidents/incidents.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { IncidentNode, MIN } from './escalation-fixtures.js';

/**
 * An escalation chain in Grafana OnCall's vocabulary: notify (people, notifiers, whoever is on call),
 * wait, repeat. Acknowledging during a wait stops the rest; maintenance windows hold a deadline until
 * they end; a missed update deadline is on the timeline and the next one is queued.
 */
describe.each(STORE_KINDS)('escalation chains (%s store)', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  let test: TestStore;
  let store: Store;
  let hooks: Receiver;
  let node: IncidentNode;
  let config: StackConfig;

  beforeAll(async () => {
    hooks = await Receiver.start();
    test = await createTestStore(kind);
    store = await test.open();
    config = stackFrom(`version: 1
services:
  web: { checks: { health: { http: { url: "http://127.0.0.1:9/" } } } }
  db: { checks: { up: { tcp: { host: 127.0.0.1, port: 9 } } } }
notifiers:
  alice-hook: { webhook: { url: "${hooks.url}/alice" } }
  bob-hook: { webhook: { url: "${hooks.url}/bob" } }
  ops: { webhook: { url: "${hooks.url}/ops" } }
people:
  alice: { notify: [alice-hook, ops] }
  bob: { notify: [bob-hook] }
oncall:
  primary: { members: [alice, bob] }
incidents:
  severities:
    sev1:
      respond_within: 5m
      escalate:
        - { notify: [oncall:primary, alice, notifier:ops] }
        - { wait: 10m }
        - bob
        - { wait: 10m }
        - { repeat: 1 }
    quiet: { respond_within: 1h, update_every: 30m, escalate: [notifier:ops] }
`).config;
    node = new IncidentNode(store, config, clock, async (rotation) =>
      rotation === 'primary' ? 'alice' : undefined,
    );
  });
  afterAll(async () => {
    await node?.stop();
    await test?.destroy();
    await hooks?.close();
  });

  /** Requests each path has received so far. */
  const counts = () => {
    const out: Record<string, number> = {};
    for (const r of hooks.received) out[r.path.slice(1)] = (out[r.path.slice(1)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(out).sort());
  };
  /** Advances the clock and runs what came due; waits for the messages it queued to be sent. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await node.settle();
  };
  const expectCounts = async (expected: Record<string, number>) => {
    await until(
      () =>
        JSON.stringify(counts()) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort()))
          ? true
          : undefined,
      () => `requests ${JSON.stringify(expected)}, got ${JSON.stringify(counts())}`,
    );
  };
  const open = (severity: string, services: string[] = ['web']) =>
    node.incidents.open({ title: `${severity} trouble`, severity, services, actor: 'cli:carol' });

  it('pages the on-call person once per notifier, and an acknowledgement during the wait stops the rest', async () => {
    hooks.received.length = 0;
    const incident = await open('sev1');
    await advance(5 * MIN);
    await expectCounts({ alice: 1, ops: 1 });
    const escalated = (await node.timeline(incident.id)).filter((e) => e.type === 'escalated');
    expect(escalated.map((e) => e.text)).toEqual([
      'not acknowledged within 5m: paged alice (on call for primary), alice, ops',
    ]);
    expect(escalated[0]?.data?.targets).toEqual([
      { target: 'oncall:primary', person: 'alice', notifiers: ['alice-hook', 'ops'] },
      { target: 'alice', person: 'alice', notifiers: [] },
      { target: 'notifier:ops', notifiers: [] },
    ]);

    await advance(5 * MIN);
    await node.incidents.acknowledge(incident.id, 'cli:alice');
    await advance(60 * MIN);
    expect(counts()).toEqual({ alice: 1, ops: 1 });
    const types = (await node.timeline(incident.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'escalated')).toHaveLength(1);
    await node.incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('without an acknowledgement, goes on after each wait, repeats once, then ends', async () => {
    hooks.received.length = 0;
    const incident = await open('sev1');
    await advance(5 * MIN);
    await expectCounts({ alice: 1, ops: 1 });
    await advance(10 * MIN);
    await expectCounts({ alice: 1, ops: 1, bob: 1 });
    // The second wait ends at the repeat: the chain restarts at its first step, in round 1.
    await advance(10 * MIN);
    await expectCounts({ alice: 2, ops: 2, bob: 1 });
    await advance(10 * MIN);
    await expectCounts({ alice: 2, ops: 2, bob: 2 });
    for (let i = 0; i < 4; i++) await advance(30 * MIN);
    expect(counts()).toEqual({ alice: 2, ops: 2, bob: 2 });

    const escalated = (await node.timeline(incident.id)).filter((e) => e.type === 'escalated');
    expect(escalated.map((e) => [e.data?.round, e.data?.step, e.data?.deadline])).toEqual([
      [0, 0, 'respond'],
      [0, 2, 'step'],
      [1, 0, 'step'],
      [1, 2, 'step'],
    ]);
    expect(escalated[1]?.text).toBe('still not acknowledged after 10m more: paged bob');
    expect((await node.incidents.get(incident.id)).escalation).toEqual({ step: 5, round: 1 });
    await node.incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('holds a deadline that passes in a maintenance window over its services until the window ends', async () => {
    hooks.received.length = 0;
    const start = clock.now();
    await new MaintenanceCalendar(config, store.db).add(
      {
        name: 'db-upgrade',
        startsAt: start,
        endsAt: start + 60 * MIN,
        services: ['db'],
        createdBy: 'cli:ops',
      },
      start,
    );
    const held = await open('sev1', ['db']);
    // Outside the window's services, the same deadline escalates at once.
    const outside = await open('sev1', ['web']);
    await advance(5 * MIN);
    await expectCounts({ alice: 1, ops: 1 });
    const heldEvent = (await node.timeline(held.id)).find((e) => e.type === 'escalation.held');
    expect(heldEvent?.data).toEqual({
      deadline: 'respond',
      due: start + 5 * MIN,
      window: 'db-upgrade',
      until: start + 60 * MIN,
    });
    await node.incidents.acknowledge(outside.id, 'cli:alice');

    await advance(60 * MIN - 5 * MIN - 1);
    expect(counts()).toEqual({ alice: 1, ops: 1 });
    await advance(1);
    await expectCounts({ alice: 2, ops: 2 });
    const timeline = await node.timeline(held.id);
    expect(timeline.map((e) => e.type)).toEqual([
      'opened',
      'escalation.held',
      'deadline.missed',
      'escalated',
      'notified',
      'notified',
    ]);
    // The missed deadline keeps its own due time: late by the 55 minutes it was held.
    expect(timeline[2]?.data).toEqual({ deadline: 'respond', due: start + 5 * MIN, late: 55 * MIN });
    await node.incidents.acknowledge(held.id, 'cli:alice');
    for (const incident of [held, outside]) await node.incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('records a missed update deadline on the timeline and queues the next one', async () => {
    hooks.received.length = 0;
    const incident = await open('quiet');
    const opened = incident.openedAt;
    await advance(MIN);
    await node.incidents.acknowledge(incident.id, 'cli:alice');
    await advance(29 * MIN);
    await expectCounts({ ops: 1 });
    const missed = (await node.timeline(incident.id)).filter((e) => e.type === 'deadline.missed');
    expect(missed.map((e) => e.data)).toEqual([{ deadline: 'update', due: opened + 30 * MIN, late: 0 }]);
    expect(missed[0]?.text).toBe('update deadline missed by 0s');
    const next = await store.db
      .selectFrom('jobs')
      .select(['run_at', 'status'])
      .where('kind', '=', DEADLINE_KIND)
      .where('unique_key', '=', `incident:${incident.id}:update:${opened + 60 * MIN}`)
      .executeTakeFirst();
    expect(next).toMatchObject({ status: 'queued' });
    expect(Number(next?.run_at)).toBe(opened + 60 * MIN);

    // The next one is met by an update in time; the chain, one step long, has run already.
    await advance(20 * MIN);
    await node.incidents.update(incident.id, { text: 'Rolling back the release', actor: 'cli:alice' });
    await advance(40 * MIN);
    const deadlines = (await node.timeline(incident.id))
      .filter((e) => e.type.startsWith('deadline.'))
      .map((e) => [e.type, e.data?.deadline, Number(e.data?.due) - opened]);
    expect(deadlines).toEqual([
      ['deadline.met', 'respond', 60 * MIN],
      ['deadline.missed', 'update', 30 * MIN],
      ['deadline.met', 'update', 60 * MIN],
      // The update at 50 minutes made the next one due at 80.
      ['deadline.missed', 'update', 80 * MIN],
    ]);
    expect(counts()).toEqual({ ops: 1 });
    expect(node.errors).toEqual([]);
  });
});
