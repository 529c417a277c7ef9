import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeadline } from '../../src/incidents/deadline-job.js';
import { DEADLINE_KIND, type DeadlinePayload } from '../../src/incidents/incidents.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { IncidentNode, MIN, runbook002Yaml, startMailSink } from './escalation-fixtures.js';

/**
 * Two nodes, each with its own connections, queue and worker, on one PostgreSQL database: every
 * deadline fires once, whichever node claims it, and a deadline run again (its node died after
 * committing) or on both nodes at the same moment escalates once.
 */
describe('escalation across two nodes on one PostgreSQL database', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  let test: TestStore;
  let stores: Store[];
  let hooks: Receiver;
  let mail: Awaited<ReturnType<typeof startMailSink>>;
  let nodes: IncidentNode[];

  beforeAll(async () => {
    hooks = await Receiver.start();
    mail = await startMailSink();
    test = await createTestStore('postgres');
    stores = [await test.open(), await test.open()];
    const { config } = stackFrom(runbook002Yaml(hooks.url, mail.port));
    nodes = stores.map((store) => new IncidentNode(store, config, clock));
  });
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n.stop()));
    await test?.destroy();
    await hooks?.close();
    await mail?.close();
  });

  const settle = async () => {
    // Each node settles in turn until neither has anything due: one may have claimed what the other awaits.
    for (let i = 0; i < 3; i++) for (const node of nodes) await node.settle();
  };
  const countEvents = async (type: string) => {
    const row = await stores[0]?.db
      .selectFrom('incident_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', type)
      .executeTakeFirstOrThrow();
    return Number(row?.n);
  };
  const node = (i: number) => nodes[i] as IncidentNode;

  it('fires each of 20 incidents’ deadlines once, whichever node runs it', async () => {
    const ids: number[] = [];
    // Opened on both nodes, a minute apart: their deadlines come due in a staggered row.
    for (let i = 0; i < 20; i++) {
      const incident = await node(i % 2).incidents.open({
        title: `Checkout fails (${i})`,
        severity: 'critical',
        services: ['web'],
        actor: 'cli:alice',
      });
      ids.push(incident.id);
      clock.advance(MIN / 2);
    }
    clock.advance(15 * MIN);
    await settle();
    const vp = () => hooks.received.filter((r) => r.path === '/vp-eng').length;
    await until(
      () => (vp() === 20 && mail.mails.length === 20) || undefined,
      () => `20 pages and 20 mails, got ${vp()} and ${mail.mails.length}`,
    );
    for (const step of [MIN, 60 * MIN, 24 * 60 * MIN]) {
      clock.advance(step);
      await settle();
    }
    expect(vp()).toBe(20);
    expect(mail.mails).toHaveLength(20);
    expect(await countEvents('deadline.missed')).toBe(20);
    expect(await countEvents('escalated')).toBe(40);
    expect(await countEvents('notified')).toBe(40);
    // Each page names its own incident: none was sent twice and none for another.
    const titles = hooks.received
      .filter((r) => r.path === '/vp-eng')
      .map((r) => JSON.parse(r.body).title as string);
    expect(new Set(titles).size).toBe(20);
    const completed = await node(0).queue.list({ kind: DEADLINE_KIND, status: ['completed'], limit: 100 });
    expect(completed).toHaveLength(20);
    for (const n of nodes) expect(n.errors).toEqual([]);

    // A deadline job that runs again (its node died after it committed) changes nothing.
    const again = await Promise.all(
      completed.map((job, i) => runDeadline(node(i % 2).deadlines, job.payload as DeadlinePayload)),
    );
    expect(again.map((o) => o.outcome)).toEqual(ids.map(() => 'nothing'));
    expect(await countEvents('escalated')).toBe(40);
  });

  it('escalates once when both nodes run the same deadline at the same moment', async () => {
    const incident = await node(0).incidents.open({
      title: 'Both at once',
      severity: 'critical',
      actor: 'cli:alice',
    });
    // The queued job is cancelled so that the two runs by hand are the only ones.
    const job = await node(0).queue.list({ kind: DEADLINE_KIND, status: ['queued'] });
    const own = job.find((j) => (j.payload as DeadlinePayload).incident === incident.id);
    if (!own) throw new Error('no respond deadline queued');
    await node(0).queue.cancel(own.id);
    clock.advance(15 * MIN);
    const payload = own.payload as DeadlinePayload;
    const outcomes = await Promise.all(nodes.map((n) => runDeadline(n.deadlines, payload)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['escalated', 'nothing']);
    await settle();
    const timeline = await node(1).timeline(incident.id);
    expect(timeline.filter((e) => e.type === 'escalated')).toHaveLength(2);
    expect(timeline.filter((e) => e.type === 'deadline.missed')).toHaveLength(1);
    await until(
      () => (hooks.received.filter((r) => r.path === '/vp-eng').length === 21 ? true : undefined),
      'the 21st page',
    );
    await settle();
    expect(hooks.received.filter((r) => r.path === '/vp-eng')).toHaveLength(21);
    expect(mail.mails).toHaveLength(21);
  });
});
