import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsFeature } from '../../src/alerts/feature.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { Receiver, type WebhookBody } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { Target } from '../helpers/target.js';
import { until } from '../helpers/wait.js';
import { alertingSettled } from './alert-fixtures.js';

const CHECKS = 1_000;
const GROUP_MS = 2_000;

describe.each(STORE_KINDS)('an alert storm (%s)', (kind) => {
  let test: TestStore;
  let receiver: Receiver;
  let target: Target;
  let node: RunningNode | undefined;

  beforeEach(async () => {
    test = await createTestStore(kind);
    receiver = await Receiver.start();
    target = await Target.start();
  });
  afterEach(async () => {
    await node?.stop('test over');
    await receiver.close();
    await target.down();
    await test.destroy();
  });

  it(`${CHECKS} checks failing together arrive as a few grouped messages, none lost and none twice`, async () => {
    const checks = Array.from(
      { length: CHECKS },
      (_, i) =>
        `      c${i}: { tcp: { host: 127.0.0.1, port: ${target.port} }, every: 1s, timeout: 1s, retries: 1 }`,
    ).join('\n');
    const { config, configPath } = stackFrom(`
version: 1
services:
  fleet:
    checks:
${checks}
alerting: { group_interval: ${GROUP_MS}ms }
notifiers:
  ops: { webhook: { url: "${receiver.url}/ops" } }
`);
    node = await startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      schedulerTickMs: 200,
      stack: { config, configPath },
    });
    const db = node.store.db;
    await until(
      async () => {
        const row = await db
          .selectFrom('check_states')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('state', '=', 'healthy')
          .executeTakeFirst();
        return Number(row?.n) === CHECKS ? true : undefined;
      },
      'every check to be healthy',
      // Seconds alone; the suite's other heavy files share the two cores meanwhile.
      120_000,
    );
    // A check that timed out while the suite loaded the machine fired and resolved before the storm; the
    // storm starts once no alert is open, and is read from the alerts opened after that.
    let before = 0;
    await until(
      async () => {
        const row = await db
          .selectFrom('alerts')
          .select((eb) => [
            eb.fn.countAll<number>().filterWhere('open_key', 'is not', null).as('open'),
            eb.fn.max('id').as('last'),
          ])
          .executeTakeFirst();
        before = Number(row?.last ?? 0);
        return Number(row?.open) === 0 ? true : undefined;
      },
      'no alert open before the storm',
      120_000,
    );

    const downAt = Date.now();
    await target.down();
    const storm = () => receiver.received.filter((r) => r.at >= downAt);
    const firing = () =>
      storm()
        .flatMap((r) => (JSON.parse(r.body) as WebhookBody).alerts)
        .filter((a) => a.id > before);
    await until(() => (firing().length >= CHECKS ? true : undefined), `${CHECKS} firing alerts`, 120_000);
    const lastAt = storm().at(-1)?.at ?? Date.now();
    // Nothing more is on its way once the outbox is drained and a pass begun after that finds nothing to do.
    await alertingSettled(node.use(alertsFeature), 60_000);

    const told = firing();
    expect(told).toHaveLength(CHECKS);
    expect(new Set(told.map((a) => a.key)).size).toBe(CHECKS);
    expect(told.every((a) => a.event === 'firing')).toBe(true);
    // The failures are spread over one check interval (1 s): one message first, then digests at most
    // one per grouping interval.
    const messages = storm().length;
    expect(messages).toBeLessThanOrEqual(Math.ceil((lastAt - downAt) / GROUP_MS) + 1);
    expect(messages).toBeLessThan(10);
    const ids = receiver.received.map((r) => r.headers['x-dayshift-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    const arrivals = receiver.received.map((r) => r.at);
    for (let i = 1; i < arrivals.length; i++) {
      const gap = (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0);
      // Arrival times carry the receiver's own delay on a loaded machine; half an interval is no digest's gap.
      expect(gap).toBeGreaterThanOrEqual(GROUP_MS / 2);
    }
  }, 300_000);
});
