import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alerting } from '../../src/alerts/alerting.js';
import { listAlerts } from '../../src/alerts/queries.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import type { MonitoredCheck } from '../../src/monitor/configured-checks.js';
import type { PingSignal } from '../../src/monitor/heartbeats.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const DAY = 86_400_000;

/**
 * A heartbeat's alert comes when its job is late, not at the next interval: at period + grace after
 * the last ping, and at once when the job reports a failure. Written without `every` or `retries`, as
 * a heartbeat usually is, so it would inherit 30s and 3 retries if it took the check defaults.
 */
describe.each(STORE_KINDS)('when a heartbeat alert fires, on a manual clock, on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let testStore: TestStore;
  let store: Store;
  let monitor: Monitor;
  let alerting: Alerting;
  let check: MonitoredCheck;
  let stack: ReturnType<typeof stackFrom>;

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    stack = stackFrom(`version: 1
services:
  cron:
    checks:
      nightly: { heartbeat: { period: 1m, grace: 30s } }
# Each test makes the check change state a few times: that is not flapping here.
alerting: { flapping: { changes: 100, window: 10m } }
`);
    const { config, dir } = stack;
    // The lease outlasts every move of the clock: the node keeps its checks throughout.
    monitor = new Monitor({ store, config, baseDir: dir, clock, nodeId: 'n1', leaseMs: DAY });
    alerting = new Alerting({
      db: store.db,
      config,
      queue: new JobQueue(store, { clock }),
      clock,
      logger: silentLogger(),
      monitor,
    });
    check = monitor.check('cron.nightly') as MonitoredCheck;
    // Neither the check timer nor the deadline timer is started: only runDue() moves them.
    await monitor.prepare();
    await monitor.rebalance();
    await monitor.deadlines.whenRead();
  });
  afterAll(async () => {
    await monitor?.stop();
    await testStore?.destroy();
  });

  const ping = async (signal: Partial<PingSignal>) => {
    await monitor.heartbeats.ping(check.id, {
      kind: 'success',
      method: 'POST',
      body: '',
      bodyBytes: 0,
      ...signal,
    });
    await monitor.pinged(check);
  };
  /** What an alert pass finds open after the deadlines due now have run. */
  const firing = async () => {
    await monitor.deadlines.runDue();
    await monitor.writer.flush();
    await alerting.engine.pass();
    return listAlerts(store.db, { states: ['firing'] });
  };

  it('fires a missed alert at period + grace after the last ping, not before', async () => {
    await ping({});
    const last = clock.now();
    clock.advance(60_000 + 30_000);
    expect(await firing()).toEqual([]);
    clock.advance(1);
    const [alert] = await firing();
    expect(alert).toMatchObject({
      name: 'cron.nightly missed',
      summary: 'no ping for 1m30s (period 1m + grace 30s)',
      firedAt: last + 90_001,
    });
  });

  it('fires a failed alert at once on /fail, with the body, and resolves on the next success', async () => {
    clock.advance(5_000);
    await ping({});
    expect(await firing()).toEqual([]);
    clock.advance(2_000);
    await ping({ kind: 'fail', exitStatus: 2, body: 'rsync: write failed: No space left on device (28)\n' });
    const at = clock.now();
    const [alert] = await firing();
    expect(alert).toMatchObject({
      name: 'cron.nightly failed',
      summary: 'the job failed with exit status 2, 1s ago: rsync: write failed: No space left on device (28)',
      firedAt: at,
    });
    clock.advance(1_000);
    await ping({});
    expect(await firing()).toEqual([]);
  });

  it('moves the deadline when another node receives the ping', async () => {
    clock.advance(60_000);
    await ping({});
    const first = clock.now();
    clock.advance(20_000);
    // A node that does not hold the check records the ping and judges the check as a run-now does.
    const other = new Monitor({ store, config: stack.config, baseDir: stack.dir, clock, nodeId: 'n2' });
    await other.heartbeats.ping(check.id, { kind: 'success', method: 'GET', body: '', bodyBytes: 0 });
    await other.pinged(check);
    const second = clock.now();
    clock.set(first + 90_001);
    expect(await firing()).toEqual([]);
    clock.set(second + 90_001);
    const [alert] = await firing();
    expect(alert).toMatchObject({ name: 'cron.nightly missed', firedAt: second + 90_001 });
  });

  it('fires at grace after a start that does not finish', async () => {
    clock.advance(10_000);
    await ping({});
    expect(await firing()).toEqual([]);
    await ping({ kind: 'start' });
    clock.advance(30_000);
    expect(await firing()).toEqual([]);
    clock.advance(1);
    const [alert] = await firing();
    expect(alert).toMatchObject({ name: 'cron.nightly missed', firedAt: clock.now() });
    expect(alert?.summary).toMatch(/^the job started 30s ago and has not finished \(grace 30s\)$/);
  });
});

describe('when a heartbeat alert fires, on the real clock', () => {
  let node: RunningNode;

  // Its interval is an hour (its first run falls 38 minutes in), so only its deadline can raise the alert.
  beforeAll(async () => {
    const stack = stackFrom(`version: 1
services:
  cron:
    checks:
      minutely: { heartbeat: { period: 2s, grace: 1s }, every: 1h }
`);
    node = await startNode({
      store: { sqlitePath: path.join(stack.dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack,
    });
  });
  afterAll(async () => {
    await node?.stop('test over');
  });

  it('fires the missed alert at period + grace after the last ping, not a check interval later', async () => {
    const token = await node.monitor?.heartbeats.tokenOf('cron.minutely');
    expect((await fetch(`${node.address}/ping/${token}`)).status).toBe(200);
    const [last] = (await node.monitor?.heartbeats.recent('cron.minutely', 1)) ?? [];
    const deadline = (last?.at ?? 0) + 3_000;
    const alert = await until(
      async () => (await listAlerts(node.store.db, { states: ['firing'] }))[0],
      'the missed alert',
    );
    expect(alert.name).toBe('cron.minutely missed');
    // Never early; late by the time a run and an alert pass take (generous for a loaded machine),
    // not by the 30s interval and 3 retries a check would have by default.
    expect(alert.firedAt).toBeGreaterThan(deadline);
    expect((alert.firedAt as number) - deadline).toBeLessThan(5_000);
  });
});
