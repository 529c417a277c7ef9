import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-quickstart-'));
let node: RunningNode | undefined;
afterAll(async () => {
  await node?.stop('test over');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('examples/quickstart on a fresh machine', () => {
  it("serves, and its checks pass: Dayshift's own /health, the SQLite value, the heartbeat; the host check reports", async () => {
    cpSync('examples/quickstart/dayshift.yaml', path.join(dir, 'dayshift.yaml'));
    const port = await freePort();
    const configPath = path.join(dir, 'dayshift.yaml');
    const { config } = loadConfigOrThrow(configPath, { env: { DAYSHIFT_PORT: String(port) } });
    node = await startNode({
      store: { sqlitePath: (config.store as { sqlite: { path: string } }).sqlite.path },
      listen: config.server.listen,
      logger: silentLogger(),
      stack: { config, configPath },
    });
    const monitor = node.monitor;
    if (!monitor) throw new Error('the node runs no checks');
    const outcomes = await monitor.runNow(monitor.checks);
    const byId = Object.fromEntries(outcomes.map((o) => [o.check.id, o.result]));
    expect(byId['dayshift.health'], JSON.stringify(byId['dayshift.health'])).toMatchObject({
      outcome: 'pass',
    });
    expect(byId['store.samples']).toMatchObject({ outcome: 'pass' });
    expect(byId['store.samples']?.values.value).toEqual(expect.any(Number));
    expect(byId['nightly-job.ran']).toMatchObject({ outcome: 'pass', values: { on_time: true } });
    // The machine's own disk and memory decide this one's verdict; that it measures them is what is tested.
    for (const value of ['disk_pct', 'memory_pct', 'cpu_pct', 'load1'])
      expect(byId['machine.resources']?.values[value]).toEqual(expect.any(Number));
  });
});
