/**
 * The idle signals tests await instead of sleeping: the engine's `idle` after a pass of its loop with
 * no other pass asked for, and the outbox's `idle` once a delivery leaves nothing pending or claimed.
 * On both stores, with real webhook deliveries to a local receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alerting } from '../../src/alerts/alerting.js';
import { deliver } from '../../src/alerts/delivery-job.js';
import { type PassOutcome, quietPass } from '../../src/alerts/engine.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { within } from '../helpers/wait.js';
import { alertingFor, setState } from './alert-fixtures.js';

const stackYaml = (receiver: Receiver) => `
version: 1
services:
  api:
    checks:
      health: { tcp: { host: 127.0.0.1, port: 9 } }
notifiers:
  ops: { webhook: { url: "${receiver.url}/ops" } }
  oncall: { webhook: { url: "${receiver.url}/oncall" } }
`;

describe.each(STORE_KINDS)('idle signals of the alert engine and the outbox (%s)', (kind) => {
  let test: TestStore;
  let store: Store;
  let receiver: Receiver;
  let alerting: Alerting;
  let yaml: string;
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 10, 0));

  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    receiver = await Receiver.start();
    yaml = stackYaml(receiver);
    alerting = alertingFor(store, clock, yaml);
  });
  afterEach(async () => {
    await alerting.engine.stop();
    await receiver.close();
    await test.destroy();
  });

  /** Sends a notifier's waiting notifications as its delivery job does, through the outbox. */
  const deliverTo = (notifier: string) =>
    alerting.outbox.delivering(() =>
      deliver(
        { db: store.db, config: stackFrom(yaml).config, baseDir: '.', clock, outbox: alerting.outbox },
        notifier,
        {
          signal: new AbortController().signal,
          logger: silentLogger(),
          finalAttempt: false,
        },
      ),
    );

  it('whenIdle settles with a pass begun after it was called, which saw the state written before', async () => {
    await setState(store.db, 'api.health', 'unhealthy', clock.now());
    const first = await within(alerting.engine.whenIdle(), 'the engine to be idle');
    expect(first.steps).toEqual({ open: 1 });
    expect(first.deliveriesScheduled).toBe(2);
    expect(quietPass(first)).toBe(false);
    // Nothing changed since: the next idle pass finds nothing to do.
    const second = await within(alerting.engine.whenIdle(), 'the engine to be idle again');
    expect(second.steps).toEqual({});
    expect(quietPass(second)).toBe(true);
  });

  it('a pass asked for while one runs defers idle until it has run too', async () => {
    const seen: Array<[PassOutcome, number]> = [];
    alerting.engine.on('idle', (outcome, pass) => seen.push([outcome, pass]));
    await setState(store.db, 'api.health', 'unhealthy', clock.now());
    alerting.engine.poke();
    alerting.engine.poke();
    const idle = await within(alerting.engine.whenIdle(), 'the engine to be idle');
    // The first pass opened the alert but was followed by the second: only that one was idle.
    expect(seen.map(([outcome, pass]) => [outcome.steps, pass])).toEqual([[{}, 2]]);
    expect(idle).toBe(seen[0]?.[0]);
  });

  it('a stopped engine is never idle again, and says so', async () => {
    await alerting.engine.stop();
    await expect(alerting.engine.whenIdle()).rejects.toThrow(/stopped/);
  });

  it('the outbox is idle once every notification is delivered, not while one waits or is being retried', async () => {
    expect(await alerting.outbox.isIdle()).toBe(true);
    await within(alerting.outbox.whenIdle(), 'an empty outbox to be idle at once');

    await setState(store.db, 'api.health', 'unhealthy', clock.now());
    await alerting.engine.pass();
    expect(await alerting.outbox.isIdle()).toBe(false);
    let drained = false;
    const draining = alerting.outbox.whenIdle().then(() => {
      drained = true;
    });

    expect((await deliverTo('ops')).status).toBe('sent');
    // oncall's notification still waits.
    expect(await alerting.outbox.isIdle()).toBe(false);

    // A delivery that fails is retried later: its notification is claimed, which is not idle.
    await receiver.down();
    await expect(deliverTo('oncall')).rejects.toThrow();
    expect(await alerting.outbox.isIdle()).toBe(false);
    expect(drained).toBe(false);

    await receiver.up();
    expect((await deliverTo('oncall')).status).toBe('sent');
    await within(draining, 'the outbox to drain');
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/oncall', '/ops']);
  });
});
