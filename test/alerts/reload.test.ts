import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAlerts } from '../../src/alerts/queries.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { ALERT_STACK, alertingFor, notificationsOf, setState } from './alert-fixtures.js';

/** ALERT_STACK without backend.health, with api.ping, and with ops as the only notifier. */
const RELOADED = `
version: 1
stack: shop
services:
  api:
    checks:
      ping: { tcp: { host: 127.0.0.1, port: 9 }, notify: [ops] }
  worker:
    checks:
      backlog:
        tcp: { host: 127.0.0.1, port: 9 }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
`;

describe.each(STORE_KINDS)('alerting takes a reloaded stack file (%s)', (kind) => {
  let test: TestStore;
  let store: Store;
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 10, 0));

  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await test.open();
  });
  afterEach(() => test.destroy());

  it('resolves the alert of a removed check and alerts on an added one from the next pass', async () => {
    const alerting = alertingFor(store, clock, ALERT_STACK);
    await setState(store.db, 'backend.health', 'unhealthy', clock.now());
    // Not in the file yet: its state is nobody's business.
    await setState(store.db, 'api.ping', 'unhealthy', clock.now());
    expect((await alerting.engine.pass()).steps).toEqual({ open: 1 });

    alerting.reload(stackFrom(RELOADED).config);
    clock.advance(60_000);
    expect((await alerting.engine.pass()).steps).toEqual({ resolve: 1, open: 1 });
    const [firing] = await listAlerts(store.db, { states: ['firing'] });
    expect(firing?.key).toBe('check:api.ping');
    const sent = await notificationsOf(store.db, firing?.id);
    expect(sent.map((n) => [n.notifier, n.event])).toEqual([['ops', 'firing']]);
  });
});
