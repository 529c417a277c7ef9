import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/monitor/monitor.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { RunRecorder, taggedStack } from './run-recorder.js';

const LEASE_MS = 30_000;
/** Nodes renew every third of a lease; each node at its own phase inside those 10 s. */
const RENEW_S = 10;
const CHECKS = 24;

const clock = new ManualClock();
let recorder: RunRecorder;
let test: TestStore;

beforeAll(async () => {
  recorder = await RunRecorder.start(clock);
  test = await createTestStore('postgres');
});
afterAll(async () => {
  await recorder.close();
  await test.destroy();
});

interface SimNode {
  id: string;
  /** The second inside each renew period at which this node renews. */
  phase: number;
  monitor: Monitor;
  store: Store;
  /** Renews and runs checks while true; a dead node just stops, without a word. */
  alive: boolean;
}

async function simNode(id: string, phase: number): Promise<SimNode> {
  const store = await test.open();
  const { config, configPath } = taggedStack(recorder.port, CHECKS, '2s', id);
  const monitor = new Monitor({ store, config, baseDir: configPath, clock, nodeId: id, leaseMs: LEASE_MS });
  return { id, phase, monitor, store, alive: true };
}

/**
 * One simulated second on every live node: the renew timer where its phase falls, then the check timer.
 * Returns which node holds each check afterwards, and fails at once when two nodes hold one.
 */
async function second(nodes: readonly SimNode[], t: number): Promise<Map<string, string>> {
  for (const node of nodes) if (node.alive && t % RENEW_S === node.phase) await node.monitor.rebalance();
  await Promise.all(nodes.filter((n) => n.alive).map((n) => n.monitor.scheduler.runDue()));
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

describe('handing checks over between nodes on PostgreSQL', () => {
  it('never lets two nodes hold or run one check while a node joins and another leaves', async () => {
    recorder.runs.length = 0;
    const start = Date.UTC(2026, 0, 1);
    clock.set(start);
    const a = await simNode('a', 0);
    const b = await simNode('b', 3);
    const c = await simNode('c', 7);
    c.alive = false;
    const nodes = [a, b, c];
    /** Who held each check at each second, to compare with who ran it then. */
    const holders: Array<Map<string, string>> = [];
    for (let t = 0; t <= 100; t++) {
      clock.set(start + t * 1_000);
      if (t === 25) c.alive = true; // joins: first renews at 27
      if (t === 55) {
        await b.monitor.stop(); // leaves cleanly
        b.alive = false;
      }
      holders[t] = await second(nodes, t);
    }
    // Every run was made by the node that held its check at that second.
    for (const run of recorder.runs) {
      const t = (run.at - start) / 1_000;
      expect(`${run.check}@${t}s by ${run.node}`).toBe(`${run.check}@${t}s by ${holders[t]?.get(run.check)}`);
    }
    // The joiner took a share from the nodes already there, and the leaver's share was taken over.
    expect(recorder.of({ node: 'c' }).length).toBeGreaterThan(0);
    const final = holders[100] as Map<string, string>;
    expect(final.size).toBe(CHECKS);
    expect(new Set(final.values())).toEqual(new Set(['a', 'c']));
    await a.monitor.stop();
    await c.monitor.stop();
  });
});
