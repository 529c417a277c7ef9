import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareChecks, describeCheckChanges } from '../../src/monitor/check-changes.js';
import { checksOf } from '../../src/monitor/configured-checks.js';
import { Monitor } from '../../src/monitor/monitor.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { RunRecorder } from './run-recorder.js';

const START = Date.UTC(2026, 0, 1);
const clock = new ManualClock(START);
let recorder: RunRecorder;

beforeAll(async () => {
  recorder = await RunRecorder.start(clock);
});
afterAll(() => recorder.close());

/** `web.<name>` http checks against the recorder, tagged with the node that runs them. */
function stackOf(node: string, checks: Record<string, string>) {
  const lines = Object.entries(checks).map(
    ([name, every]) =>
      `      ${name}: { http: { url: "http://127.0.0.1:${recorder.port}/?node=${node}&check=web.${name}" }, every: ${every} }`,
  );
  return stackFrom(`version: 1\nservices:\n  web:\n    checks:\n${lines.join('\n')}\n`);
}

const TWELVE = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}`, '2s']));
/** c0 removed, c1 runs every 3 s now, c12 and c13 are new. */
const RELOADED = { ...Object.fromEntries(Object.entries(TWELVE).slice(1)), c1: '3s', c12: '2s', c13: '2s' };

describe('compareChecks', () => {
  it('names the checks added, changed and removed, and sees a rotated secret as a change', () => {
    const url = (password: string) =>
      `version: 1\nservices:\n  db:\n    checks:\n      ready: { postgres: { url: "postgres://u:${password}@127.0.0.1/x" } }\n      same: { tcp: { host: 127.0.0.1, port: 1 } }\n`;
    const before = checksOf(stackFrom(url('old-password')).config);
    expect(compareChecks(before, checksOf(stackFrom(url('old-password')).config))).toEqual({
      added: [],
      changed: [],
      removed: [],
    });
    expect(compareChecks(before, checksOf(stackFrom(url('new-password')).config))).toEqual({
      added: [],
      changed: ['db.ready'],
      removed: [],
    });
    const changes = compareChecks(
      checksOf(stackOf('a', TWELVE).config),
      checksOf(stackOf('a', RELOADED).config),
    );
    expect(changes).toEqual({ added: ['web.c12', 'web.c13'], changed: ['web.c1'], removed: ['web.c0'] });
    expect(describeCheckChanges(changes)).toBe('2 checks added, 1 changed, 1 removed');
  });
});

describe.each(STORE_KINDS)('reloading checks on nodes sharing a store (%s)', (kind) => {
  let test: TestStore;
  let reader: Store;
  beforeAll(async () => {
    test = await createTestStore(kind);
    reader = await test.open();
  });
  afterAll(() => test.destroy());

  const leases = async () =>
    new Map(
      (await reader.db.selectFrom('check_leases').select(['check_id', 'node_id', 'epoch']).execute()).map(
        (r) => [r.check_id, { node: r.node_id, epoch: Number(r.epoch) }],
      ),
    );

  it('starts added checks, stops removed ones and leaves the leases of the others as they were', async () => {
    clock.set(START);
    const node = async (id: string) =>
      new Monitor({
        store: await test.open(),
        config: stackOf(id, TWELVE).config,
        baseDir: '.',
        clock,
        nodeId: id,
        configHash: 'first',
      });
    const a = await node('a');
    const b = await node('b');
    // Both join, then each lets go of what hashes to the other, then claims what is free.
    for (const m of [a, b, a, b]) await m.rebalance();
    const before = await leases();
    expect([...a.held, ...b.held].sort()).toEqual([...before.keys()].sort());
    expect(a.held.size).toBeGreaterThan(0);
    expect(b.held.size).toBeGreaterThan(0);

    const changes = await a.reload(stackOf('a', RELOADED).config, 'second');
    expect(changes).toEqual({ added: ['web.c12', 'web.c13'], changed: ['web.c1'], removed: ['web.c0'] });
    await b.reload(stackOf('b', RELOADED).config, 'second');
    // A pass each, so a check one node let go of is claimed by the other.
    for (const m of [a, b]) await m.rebalance();

    const after = await leases();
    // Every check in both files kept its holder and its epoch: the reload moved none of them.
    for (const [id, lease] of before) if (id !== 'web.c0') expect(after.get(id), id).toEqual(lease);
    expect(after.get('web.c0')?.node ?? null).toBeNull();
    for (const id of ['web.c12', 'web.c13']) expect(after.get(id)?.node, id).toMatch(/^[ab]$/);
    expect([...a.held, ...b.held].sort()).toEqual(
      Object.keys(RELOADED)
        .map((n) => `web.${n}`)
        .sort(),
    );
    const hashes = await reader.db.selectFrom('nodes').select('config_hash').execute();
    expect(hashes.map((h) => h.config_hash)).toEqual(['second', 'second']);

    // Two intervals later every check of the new file has run once at least, web.c0 never.
    recorder.runs.length = 0;
    for (const t of [1, 2, 3, 4]) {
      clock.set(START + t * 1_000);
      await Promise.all([a.timer.runDue(), b.timer.runDue()]);
    }
    const ran = new Set(recorder.runs.map((r) => r.check));
    expect(ran.has('web.c0')).toBe(false);
    for (const name of Object.keys(RELOADED)) expect(ran.has(`web.${name}`), name).toBe(true);
    await Promise.all([a.stop(), b.stop()]);
  });
});
