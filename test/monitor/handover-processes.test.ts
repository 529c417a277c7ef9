import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import { killNodeProcess, startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { overlappingRuns, RunRecorder, taggedStackYaml } from './run-recorder.js';

const FIXTURE = path.resolve('test/monitor/fixtures/monitor-node.ts');
const CHECKS = 12;

let recorder: RunRecorder;
let test: TestStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  recorder = await RunRecorder.start(systemClock);
  // Each run lasts a while, so two nodes running one check would be seen in flight together.
  recorder.hold = 300;
  test = await createTestStore('postgres');
});
afterAll(async () => {
  for (const child of children) await killNodeProcess(child);
  await recorder.close();
  await test.destroy();
});

function checksRunBy(node: string, since: number): Set<string> {
  return new Set(
    recorder
      .of({ node })
      .filter((r) => r.at >= since)
      .map((r) => r.check),
  );
}

describe('two node processes on one PostgreSQL store', () => {
  it('hand checks over on join, on a kill and on a clean stop without ever running one check at once', async () => {
    // One stack file for both: each process tags its runs with its own NODE_TAG.
    const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-fence-'));
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(configPath, taggedStackYaml(recorder.port, CHECKS, '1s', '${NODE_TAG}'));
    const start = (id: string) =>
      startNodeProcess(
        configPath,
        test.options,
        { NODE_ID: id, NODE_TAG: id, LEASE_MS: '3000' },
        FIXTURE,
      ).then((child) => {
        children.push(child);
        return child;
      });

    const a = await start('a');
    await until(() => (checksRunBy('a', 0).size === CHECKS ? true : undefined), 'a running every check');

    // b joins: it takes a share of the checks a ran, once a has released them.
    const joined = Date.now();
    const b = await start('b');
    await until(() => (checksRunBy('b', joined).size > 0 ? true : undefined), 'b running its share');
    const bShare = checksRunBy('b', joined);

    // a is killed: its leases end with its node row, and b takes every check.
    await killNodeProcess(a);
    const killed = Date.now();
    await until(
      () => (checksRunBy('b', killed).size === CHECKS ? true : undefined),
      'b running every check',
      30_000,
    );

    // a comes back and b stops cleanly: a takes every check again.
    const a2 = await start('a');
    await until(() => (checksRunBy('a', killed).size > 0 ? true : undefined), 'a running its share again');
    await stopNodeProcess(b);
    const stopped = Date.now();
    await until(
      () => (checksRunBy('a', stopped).size === CHECKS ? true : undefined),
      'a running every check again',
    );
    await stopNodeProcess(a2);
    rmSync(dir, { recursive: true, force: true });

    expect(bShare.size).toBeGreaterThan(0);
    expect(bShare.size).toBeLessThan(CHECKS);
    expect(overlappingRuns(recorder.runs)).toEqual([]);
  });
});
