import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxBacklog } from '../../src/alerts/outbox.js';
import type { Store } from '../../src/store/index.js';
import {
  killNodeProcess,
  quietPassSince,
  startNodeProcess,
  stopNodeProcess,
} from '../helpers/node-process.js';
import { Receiver, type WebhookBody } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { Target } from '../helpers/target.js';
import { until } from '../helpers/wait.js';

function stack(targets: Target[], receiver: Receiver): string {
  const checks = targets
    .map(
      (t, i) => `
      c${i}:
        tcp: { host: 127.0.0.1, port: ${t.port} }
        every: 1s
        timeout: 500ms
        retries: 1`,
    )
    .join('');
  return `
version: 1
stack: shop
services:
  api:
    checks:${checks}
alerting: { group_interval: 1s }
notifiers:
  ops: { webhook: { url: "${receiver.url}/ops" } }
`;
}

/**
 * Waits until nothing more is on its way: the outbox is drained, then every node has run an alert pass
 * begun after that which found nothing to do (so no pass that read an older state is still running),
 * and the outbox is still drained.
 */
async function settled(store: Store, nodes: ChildProcess[]): Promise<void> {
  await until(async () => ((await outboxBacklog(store.db)) === 0 ? true : undefined), 'the outbox to drain');
  const drainedAt = Date.now();
  await until(
    () => (nodes.every((n) => quietPassSince(n, drainedAt)) ? true : undefined),
    'a quiet alert pass on every node after the outbox drained',
  );
  expect(await outboxBacklog(store.db)).toBe(0);
}

async function allHealthy(store: Store, count: number): Promise<true | undefined> {
  const rows = await store.db.selectFrom('check_states').select('state').execute();
  return rows.length === count && rows.every((r) => r.state === 'healthy') ? true : undefined;
}

describe('notifications from node processes', () => {
  let test: TestStore | undefined;
  let receiver: Receiver;
  let children: ChildProcess[] = [];
  let targets: Target[] = [];

  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await Promise.all(children.map(stopNodeProcess));
    children = [];
    await receiver.close();
    await Promise.all(targets.map((t) => t.down()));
    targets = [];
    await test?.destroy();
  });

  it.each(STORE_KINDS)(
    'killing the sender with SIGKILL mid-delivery never produces a second delivery (%s)',
    async (kind) => {
      test = await createTestStore(kind);
      const store = await test.open();
      targets = [await Target.start()];
      const { configPath } = stackFrom(stack(targets, receiver));
      const first = await startNodeProcess(configPath, test.options);
      children.push(first);
      await until(() => allHealthy(store, 1), 'the check to be healthy');

      receiver.hold = true;
      await targets[0]?.down();
      await until(
        () => (receiver.received.length >= 1 ? true : undefined),
        'the first send, held open by the receiver',
      );
      await killNodeProcess(first);
      receiver.release();

      const second = await startNodeProcess(configPath, test.options);
      children.push(second);
      await until(
        () => (receiver.received.length >= 2 ? true : undefined),
        'the send resumed by the second node',
        30_000,
      );
      await settled(store, [second]);

      // The resumed send carries the same delivery id, so the receiver can tell it is the same message.
      const ids = receiver.received.map((r) => r.headers['x-dayshift-delivery']);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(1);
      const bodies = receiver.json<WebhookBody>('/ops');
      expect(bodies.map((b) => b.alerts.map((a) => `${a.key} ${a.event}`))).toEqual([
        ['check:api.c0 firing'],
        ['check:api.c0 firing'],
      ]);
      const alerts = await store.db.selectFrom('alerts').selectAll().execute();
      expect(alerts).toHaveLength(1);
      const deliveries = await store.db.selectFrom('deliveries').selectAll().execute();
      expect(deliveries.map((d) => [d.status, d.attempts])).toEqual([['sent', 2]]);
    },
  );

  // Several nodes share a store on PostgreSQL only (docs/architecture.md), so this case has no SQLite twin.
  it('three nodes on one PostgreSQL store send one notification per transition', async () => {
    test = await createTestStore('postgres');
    const store = await test.open();
    targets = await Promise.all([0, 1, 2, 3].map(() => Target.start()));
    const { configPath } = stackFrom(stack(targets, receiver));
    children = await Promise.all([0, 1, 2].map(() => startNodeProcess(configPath, test!.options)));
    await until(() => allHealthy(store, 4), 'every check to be healthy');

    for (const t of targets) await t.down();
    await until(
      () => (receiver.json<WebhookBody>().flatMap((b) => b.alerts).length >= 4 ? true : undefined),
      'four firing notifications',
    );
    for (const t of targets) await t.up();
    await until(
      () => (receiver.json<WebhookBody>().flatMap((b) => b.alerts).length >= 8 ? true : undefined),
      'four resolved notifications',
    );
    await settled(store, children);

    const told = receiver.json<WebhookBody>().flatMap((b) => b.alerts.map((a) => `${a.key} ${a.event}`));
    expect(told.sort()).toEqual(
      [0, 1, 2, 3].flatMap((i) => [`check:api.c${i} firing`, `check:api.c${i} resolved`]).sort(),
    );
    const deliveryIds = receiver.received.map((r) => r.headers['x-dayshift-delivery']);
    expect(new Set(deliveryIds).size).toBe(deliveryIds.length);
    // Three nodes were alive and reconciling alerts against the same rows.
    expect(await store.db.selectFrom('nodes').select('id').execute()).toHaveLength(3);
    expect(await store.db.selectFrom('alerts').select('id').execute()).toHaveLength(4);
  });
});
