import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/monitor/monitor.js';
import { checkStatuses, transitionsSince } from '../../src/monitor/status.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

let server: Server;
let openPort = 0;
let closedPort = 0;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  openPort = (server.address() as { port: number }).port;
  // A port that was just free and is closed again: connecting to it is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function tcpStack(count: number, every = '10s', port = () => openPort) {
  const checks = Array.from(
    { length: count },
    (_, i) => `      c${i}: { tcp: { host: 127.0.0.1, port: ${port()} }, every: ${every}, retries: 2 }`,
  ).join('\n');
  return stackFrom(`version: 1\nservices:\n  web:\n    checks:\n${checks}\n`);
}

describe.each(STORE_KINDS)('the check monitor on %s', (kind) => {
  it('spreads first runs over the interval and keeps each check on its cadence', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const clock = new ManualClock();
      const { config, configPath } = tcpStack(60);
      const monitor = new Monitor({ store, config, baseDir: configPath, clock, nodeId: 'n1' });
      await monitor.rebalance();
      const perSecond: number[] = [];
      const start = clock.now();
      for (let second = 0; second < 30; second++) {
        clock.set(start + second * 1_000);
        // The node renews its lease every 10 s, as its timer would; without that it stops running checks.
        if (second > 0 && second % 10 === 0) await monitor.rebalance();
        perSecond.push(await monitor.timer.runDue());
      }
      // Every first due time lies in [start, start + 10 s), so by start + 29.999 s each check ran 3 times.
      clock.set(start + 29_999);
      perSecond.push(await monitor.timer.runDue());
      await monitor.writer.flush();
      // 60 checks every 10 s: 6 per second on average; never all at once.
      expect(perSecond.reduce((a, b) => a + b, 0)).toBe(180);
      expect(Math.max(...perSecond)).toBeLessThanOrEqual(20);
      const counts = await store.db
        .selectFrom('check_samples')
        .select((eb) => ['check_id', eb.fn.countAll<number>().as('n')])
        .groupBy('check_id')
        .execute();
      expect(counts).toHaveLength(60);
      for (const row of counts) expect(Number(row.n)).toBe(3);
      await monitor.stop();
    } finally {
      await test.destroy();
    }
  });

  it('records states and every transition, and a restarted node carries the state on', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const clock = new ManualClock();
      let port = openPort;
      const { config, configPath } = stackFrom(
        `version: 1\nservices:\n  db:\n    checks:\n      port: { tcp: { host: 127.0.0.1, port: ${openPort} }, retries: 2 }\n`,
      );
      const first = new Monitor({ store, config, baseDir: configPath, clock, nodeId: 'n1' });
      const check = first.check('db.port');
      if (!check) throw new Error('db.port is not in the stack');
      await first.runNow([check]);
      expect((await checkStatuses(store.db, first.checks))[0]).toMatchObject({
        state: 'healthy',
        reason: null,
      });

      // The port closes: one failure keeps it healthy (retries 2), the second makes it unhealthy.
      port = closedPort;
      const broken = { ...check, options: { ...(check.options as object), port } };
      await first.runNow([broken]);
      expect((await checkStatuses(store.db, first.checks))[0]).toMatchObject({
        state: 'healthy',
        failures: 1,
      });
      await first.stop();

      const second = new Monitor({ store, config, baseDir: configPath, clock, nodeId: 'n2' });
      clock.advance(30_000);
      const [outcome] = await second.runNow([broken]);
      expect(outcome?.state.state).toBe('unhealthy');
      const [status] = await checkStatuses(store.db, second.checks);
      expect(status).toMatchObject({ state: 'unhealthy', failures: 2 });
      expect(status?.reason).toMatch(/could not connect to 127\.0\.0\.1:\d+/);

      const transitions = await transitionsSince(store.db);
      expect(transitions.map((t) => [t.from, t.to, t.node])).toEqual([
        ['starting', 'healthy', 'n1'],
        ['healthy', 'unhealthy', 'n2'],
      ]);
      await second.stop();
    } finally {
      await test.destroy();
    }
  });

  it('runs checks on the real clock from start until stop', async () => {
    const test = await createTestStore(kind);
    try {
      const store = await test.open();
      const { config, configPath } = tcpStack(3, '1s');
      const monitor = new Monitor({
        store,
        config,
        baseDir: configPath,
        clock: systemClock,
        nodeId: 'n1',
        flushMs: 100,
      });
      await monitor.start();
      const count = async () =>
        Number(
          (
            await store.db
              .selectFrom('check_samples')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      await until(
        async () => ((await count()) >= 9 ? true : undefined),
        '9 samples from 3 checks every second',
      );
      // Running, the timer always has its next wake-up armed (or a run in flight).
      expect(monitor.timer.pending).toBe(true);
      await monitor.stop();
      const states = await checkStatuses(store.db, monitor.checks);
      expect(states.map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy']);
      // Stopped, nothing is left that could start a run: no wake-up armed, no run in flight.
      expect(monitor.timer.pending).toBe(false);
    } finally {
      await test.destroy();
    }
  });

  it('shares the checks between live nodes and takes over those of a node that stops renewing', async () => {
    const test = await createTestStore(kind);
    try {
      // On SQLite the nodes share one connection: two better-sqlite3 handles in one process can deadlock.
      const storeA = await test.open();
      const storeB = kind === 'postgres' ? await test.open() : storeA;
      const clock = new ManualClock();
      const { config, configPath } = tcpStack(40);
      const a = new Monitor({
        store: storeA,
        config,
        baseDir: configPath,
        clock,
        nodeId: 'a',
        leaseMs: 30_000,
      });
      const b = new Monitor({
        store: storeB,
        config,
        baseDir: configPath,
        clock,
        nodeId: 'b',
        leaseMs: 30_000,
      });
      // a holds everything until it sees b; then it releases b's share, and b claims it.
      await a.rebalance();
      await b.rebalance();
      expect(b.held.size).toBe(0);
      await a.rebalance();
      await b.handOver();
      expect(a.held.size + b.held.size).toBe(40);
      expect(a.held.size).toBeGreaterThan(5);
      expect(b.held.size).toBeGreaterThan(5);
      for (const id of a.held) expect(b.held.has(id)).toBe(false);

      // b dies without a word: after one lease period a holds everything.
      clock.advance(31_000);
      await a.rebalance();
      expect(a.held.size).toBe(40);

      // b comes back and leaves cleanly: its share returns to it, then to a at once.
      await b.rebalance();
      await a.rebalance();
      expect(a.held.size).toBeLessThan(40);
      await b.stop();
      await a.rebalance();
      expect(a.held.size).toBe(40);
      await a.stop();
    } finally {
      await test.destroy();
    }
  });
});
