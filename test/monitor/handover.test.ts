import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/monitor/monitor.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { RunRecorder, taggedStack } from './run-recorder.js';

const LEASE_MS = 30_000;
/** Nodes renew every third of a lease; each node at its own phase inside those 10 s. */
const RENEW_S = 10;
const CHECKS = 24;
const START = Date.UTC(2026, 0, 1);

const clock = new ManualClock(START);
let recorder: RunRecorder;

beforeAll(async () => {
  recorder = await RunRecorder.start(clock);
});
afterAll(() => recorder.close());

interface SimNode {
  id: string;
  /** The second inside each renew period at which this node renews. */
  phase: number;
  monitor: Monitor;
  /** Renews and runs checks while true; a dead node just stops, without a word. */
  alive: boolean;
}

async function simNode(test: TestStore, id: string, phase: number): Promise<SimNode> {
  const store = await test.open();
  const { config, configPath } = taggedStack(recorder.port, CHECKS, '2s', id);
  const monitor = new Monitor({ store, config, baseDir: configPath, clock, nodeId: id, leaseMs: LEASE_MS });
  return { id, phase, monitor, alive: true };
}

/**
 * One simulated second on every live node: the renew timer where its phase falls, then the check timer.
 * Returns which node holds each check afterwards, and fails at once when two nodes hold one.
 */
async function second(nodes: readonly SimNode[], t: number): Promise<Map<string, string>> {
  clock.set(START + t * 1_000);
  for (const node of nodes) if (node.alive && t % RENEW_S === node.phase) await node.monitor.rebalance();
  await Promise.all(nodes.filter((n) => n.alive).map((n) => n.monitor.timer.runDue()));
  const holder = new Map<string, string>();
  for (const node of nodes) {
    if (!node.alive) continue;
    for (const check of node.monitor.held) {
      const other = holder.get(check);
      if (other !== undefined) throw new Error(`at ${t} s nodes ${other} and ${node.id} both hold ${check}`);
      holder.set(check, node.id);
    }
  }
  return holder;
}

async function sampleCount(test: TestStore): Promise<number> {
  const store = await test.open();
  const row = await store.db
    .selectFrom('check_samples')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await store.close();
  return Number(row.n);
}

describe('handing checks over between nodes on PostgreSQL', () => {
  it('never lets two nodes hold or run one check while nodes join and one leaves', async () => {
    const test = await createTestStore('postgres');
    try {
      recorder.runs.length = 0;
      const a = await simNode(test, 'a', 0);
      const b = await simNode(test, 'b', 3);
      const c = await simNode(test, 'c', 7);
      c.alive = false;
      const nodes = [a, b, c];
      /** Who held each check at each second, to compare with who ran it then. */
      const holders: Array<Map<string, string>> = [];
      for (let t = 0; t <= 100; t++) {
        if (t === 25) c.alive = true; // joins: first renews at 27
        if (t === 55) {
          await b.monitor.stop(); // leaves cleanly
          b.alive = false;
        }
        holders[t] = await second(nodes, t);
      }
      // Every run was made by the node that held its check at that second.
      for (const run of recorder.runs) {
        const t = (run.at - START) / 1_000;
        expect(`${run.check}@${t}s by ${run.node}`).toBe(
          `${run.check}@${t}s by ${holders[t]?.get(run.check)}`,
        );
      }
      // b took a share from a, c from both; b's share went to a and c when it left.
      expect(recorder.of({ node: 'b' }).length).toBeGreaterThan(0);
      expect(recorder.of({ node: 'c' }).length).toBeGreaterThan(0);
      const final = holders[100] as Map<string, string>;
      expect(final.size).toBe(CHECKS);
      expect(new Set(final.values())).toEqual(new Set(['a', 'c']));
      await a.monitor.stop();
      await c.monitor.stop();
    } finally {
      await test.destroy();
    }
  });

  it('moves the checks of a node that stops renewing once its lease has run out, not before', async () => {
    const test = await createTestStore('postgres');
    try {
      recorder.runs.length = 0;
      const a = await simNode(test, 'a', 0);
      const b = await simNode(test, 'b', 5);
      const nodes = [a, b];
      const holders: Array<Map<string, string>> = [];
      for (let t = 0; t <= 60; t++) {
        if (t === 21) b.alive = false; // last renewed at 15: its leases last until 45
        holders[t] = await second(nodes, t);
      }
      const shareOfA = [...(holders[20] as Map<string, string>).values()].filter((n) => n === 'a').length;
      expect(holders[20]?.size).toBe(CHECKS);
      expect(shareOfA).toBeGreaterThan(0);
      expect(shareOfA).toBeLessThan(CHECKS);
      // a renewed at 30 and 40 while b's leases were still valid, and took none of them.
      expect(holders[40]?.size).toBe(shareOfA);
      // At its first renewal after 45, a holds every check.
      expect(holders[50]?.size).toBe(CHECKS);
      expect(
        new Set(
          recorder
            .of({ node: 'a' })
            .filter((r) => r.at >= START + 50_000)
            .map((r) => r.check),
        ).size,
      ).toBe(CHECKS);
      // b itself, still running but unable to renew, stopped starting runs: it ran nothing after 35.
      b.alive = true;
      expect(await b.monitor.timer.runDue()).toBe(0);
      expect(recorder.of({ node: 'b' }).filter((r) => r.at > START + 35_000)).toEqual([]);
      await a.monitor.stop();
      await b.monitor.stop();
    } finally {
      await test.destroy();
    }
  });

  it('does not record the late result of a node whose lease was claimed while its run was in flight', async () => {
    const test = await createTestStore('postgres');
    try {
      recorder.runs.length = 0;
      let open = () => {};
      recorder.gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const a = await simNode(test, 'a', 0);
      const b = await simNode(test, 'b', 0);
      clock.set(START);
      await a.monitor.rebalance();
      expect(a.monitor.held.size).toBe(CHECKS);
      // Every first run is due within one interval; a starts them all, and they hang.
      clock.set(START + 2_000);
      const inFlight = a.monitor.timer.runDue();
      await until(
        () => (recorder.of({ node: 'a' }).length === CHECKS ? true : undefined),
        'a running every check',
      );
      // a stalls past its lease; b comes up and claims every check.
      clock.set(START + 31_000);
      await b.monitor.rebalance();
      expect(b.monitor.held.size).toBe(CHECKS);
      let refused: string[] = [];
      a.monitor.writer.once('fenced', (ids: string[]) => {
        refused = ids;
      });
      open();
      recorder.gate = undefined;
      await inFlight;
      await a.monitor.writer.flush();
      expect(refused).toHaveLength(CHECKS);
      expect(await sampleCount(test)).toBe(0);
      // a learnt from the refusal that it holds nothing; b's own results are written.
      expect(a.monitor.held.size).toBe(0);
      clock.set(START + 33_000);
      expect(await b.monitor.timer.runDue()).toBe(CHECKS);
      await b.monitor.writer.flush();
      expect(await sampleCount(test)).toBe(CHECKS);
      await a.monitor.stop();
      await b.monitor.stop();
    } finally {
      recorder.gate = undefined;
      await test.destroy();
    }
  });
});
