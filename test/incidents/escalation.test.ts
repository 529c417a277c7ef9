import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/incidents/incidents.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { IncidentNode, MIN, runbook002Yaml, startMailSink } from './escalation-fixtures.js';

/**
 * Runbook 002's severities table as the stack file's `incidents.severities`, on a manual clock: a
 * critical alert opens an incident nobody acknowledges for 15 minutes, and the escalation reaches the
 * VP of engineering (a webhook on loopback) and the CTO (email through a real SMTP server) exactly
 * once; an incident acknowledged in time sends nothing and records the deadline as met.
 */
describe.each(STORE_KINDS)('runbook 002 escalation on a manual clock (%s store)', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  let test: TestStore;
  let store: Store;
  let hooks: Receiver;
  let mail: Awaited<ReturnType<typeof startMailSink>>;
  let node: IncidentNode;

  beforeAll(async () => {
    hooks = await Receiver.start();
    mail = await startMailSink();
    test = await createTestStore(kind);
    store = await test.open();
    const { config } = stackFrom(runbook002Yaml(hooks.url, mail.port));
    node = new IncidentNode(store, config, clock);
  });
  afterAll(async () => {
    await node?.stop();
    await test?.destroy();
    await hooks?.close();
    await mail?.close();
  });

  const alert = (id: number, service: string): AlertSignal => ({
    id,
    key: `check:${service}.health`,
    name: `${service}.health`,
    severity: 'critical',
    service,
    summary: 'status == 200 failed: got 503',
    labels: { service },
  });
  const pages = () => hooks.received.filter((r) => r.path === '/vp-eng');

  it('pages vp-eng by webhook and cto by email exactly once when nobody acknowledges within 15 minutes', async () => {
    const opened = await node.incidents.alertFired(alert(1, 'web'));
    if (!opened?.opened) throw new Error('the critical alert opened no incident');
    const { incident } = opened;
    const due = incident.openedAt + 15 * MIN;

    clock.advance(15 * MIN - 1);
    await node.settle();
    expect(pages()).toHaveLength(0);
    expect(mail.mails).toHaveLength(0);

    clock.advance(1);
    await node.settle();
    await until(() => (pages().length === 1 && mail.mails.length === 1) || undefined, 'the two pages');
    // Well past the deadline, the worker runs again and again: nothing is sent twice.
    for (const step of [MIN, 30 * MIN, 6 * 60 * MIN]) {
      clock.advance(step);
      await node.settle();
    }
    expect(pages()).toHaveLength(1);
    expect(mail.mails).toHaveLength(1);
    expect(mail.mails[0]?.to).toEqual(['cto@example.com']);
    expect(mail.mails[0]?.raw).toContain(`Incident #${incident.id} (critical) escalated`);
    const body = JSON.parse(pages()[0]?.body ?? '{}') as { title: string; alerts: Array<{ event: string }> };
    expect(body.title).toContain(`Incident #${incident.id} (critical) escalated`);
    expect(body.alerts[0]?.event).toBe('escalated');

    const timeline = await node.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual([
      'opened',
      'alert.firing',
      'deadline.missed',
      'escalated',
      'escalated',
      'notified',
      'notified',
    ]);
    expect(timeline[2]?.data).toEqual({ deadline: 'respond', due, late: 0 });
    // `escalate: [vp-eng, cto]` is two notify steps with no wait between them: both run at once.
    expect(timeline.slice(3, 5).map((e) => e.text)).toEqual([
      'not acknowledged within 15m: paged vp-eng',
      'not acknowledged within 15m: paged cto',
    ]);
    expect(timeline.slice(3, 5).map((e) => e.data)).toEqual([
      {
        step: 0,
        round: 0,
        deadline: 'respond',
        targets: [{ target: 'vp-eng', person: 'vp-eng', notifiers: ['vp-eng-hook'] }],
      },
      {
        step: 1,
        round: 0,
        deadline: 'respond',
        targets: [{ target: 'cto', person: 'cto', notifiers: ['cto-mail'] }],
      },
    ]);
    expect(timeline.filter((e) => e.type === 'notified').map((e) => e.data?.status)).toEqual([
      'sent',
      'sent',
    ]);

    // Acknowledged late: the chain had ended, so nothing more is sent; the escalation stays recorded.
    await node.incidents.acknowledge(incident.id, 'cli:alice');
    clock.advance(60 * MIN);
    await node.settle();
    expect(pages()).toHaveLength(1);
    expect(node.errors).toEqual([]);
    await node.incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('sends nothing for an incident acknowledged at 10 minutes, and records the respond deadline as met', async () => {
    const before = { hooks: hooks.received.length, mails: mail.mails.length };
    const opened = await node.incidents.alertFired(alert(2, 'db'));
    if (!opened?.opened) throw new Error('the critical alert opened no incident');
    const { incident } = opened;
    clock.advance(10 * MIN);
    await node.incidents.acknowledge(incident.id, 'cli:bob');
    clock.advance(2 * 60 * MIN);
    await node.settle();
    expect(hooks.received.length).toBe(before.hooks);
    expect(mail.mails.length).toBe(before.mails);
    const timeline = await node.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['opened', 'alert.firing', 'acknowledged', 'deadline.met']);
    expect(timeline[3]?.data).toEqual({ deadline: 'respond', due: incident.openedAt + 15 * MIN });
    expect(node.errors).toEqual([]);
  });
});
