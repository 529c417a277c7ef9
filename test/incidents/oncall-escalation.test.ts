import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnCall } from '../../src/incidents/oncall.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { IncidentNode, MIN } from './escalation-fixtures.js';

/**
 * An escalation to `oncall:<rotation>` pages whoever the rotation (or an override) has on call when the
 * deadline passes: runbook 002's "create on-call rotation schedule", end to end with real webhooks.
 */
describe.each(STORE_KINDS)('escalation to the on-call rotation (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let hooks: Receiver;
  let node: IncidentNode;
  let oncall: OnCall;
  // Monday 2026-03-02, 08:50 in Berlin (UTC+1): Alice took the first daily shift on Sunday at 09:00; she hands off to Bob at 09:00.
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 7, 50));

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    hooks = await Receiver.start();
    const { config } = stackFrom(`version: 1
services:
  web: {}
notifiers:
  alice-hook: { webhook: { url: "${hooks.url}/alice" } }
  bob-hook: { webhook: { url: "${hooks.url}/bob" } }
  carol-hook: { webhook: { url: "${hooks.url}/carol" } }
people:
  alice: { notify: [alice-hook] }
  bob: { notify: [bob-hook] }
  carol: { notify: [carol-hook] }
oncall:
  primary: { members: [alice, bob], shift: 1d, handoff: "09:00", timezone: Europe/Berlin, start: 2026-03-01 }
incidents:
  severities:
    critical: { respond_within: 15m, escalate: [oncall:primary] }
`);
    oncall = new OnCall(store.db, config);
    node = new IncidentNode(
      store,
      config,
      clock,
      async (rotation, at) => (await oncall.now(rotation, at)).person,
    );
  });
  afterAll(async () => {
    await node?.stop();
    await hooks?.down();
    await test?.destroy();
  });

  it('pages the member on call when the deadline passes, after the hand-off, not the one on call when it opened', async () => {
    const incident = await node.incidents.open({
      title: 'Checkout down',
      severity: 'critical',
      actor: 'cli:ops',
    });
    expect((await oncall.now('primary', clock.now())).person).toBe('alice');
    clock.advance(16 * MIN);
    await node.settle();
    expect(hooks.received.map((r) => r.path)).toEqual(['/bob']);
    const escalated = (await node.timeline(incident.id)).find((e) => e.type === 'escalated');
    expect(escalated?.text).toContain('bob');
  });

  it('pages the person an override puts on call instead', async () => {
    const now = clock.now();
    await oncall.addOverride(
      { rotation: 'primary', person: 'carol', startsAt: now, endsAt: now + 60 * MIN, createdBy: 'cli:ops' },
      now,
    );
    await node.incidents.open({ title: 'Search slow', severity: 'critical', actor: 'cli:ops' });
    clock.advance(16 * MIN);
    await node.settle();
    expect(hooks.received.map((r) => r.path)).toEqual(['/bob', '/carol']);
  });
});
