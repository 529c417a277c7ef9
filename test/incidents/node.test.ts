import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTimeline } from '../../src/incidents/records.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { stackFrom } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

/**
 * The incidents feature on a serving node, on the real clock: a critical check fails for real, the
 * node's alert engine fires its alert, and the node's timeline links open an incident from it with no
 * one asking; `/metrics` then counts it, in text promtool accepts.
 */

const stack = stackFrom(`
version: 1
stack: shop
services:
  web:
    checks:
      health: { tcp: { host: 127.0.0.1, port: 9 }, every: 1s, timeout: 1s, retries: 1, severity: critical }
incidents:
  open_on: [ { severity: critical } ]
`);

let node: RunningNode;

beforeAll(async () => {
  node = await startNode({
    store: { sqlitePath: path.join(stack.dir, '.dayshift', 'state.db') },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    alertTickMs: 200,
    stack: { config: stack.config, configPath: stack.configPath },
  });
}, 30_000);

afterAll(async () => {
  await node?.stop('test over');
  rmSync(stack.dir, { recursive: true, force: true });
});

describe('incidents on a serving node', () => {
  it('opens an incident from a failing critical check by itself, and counts it in /metrics', async () => {
    const incident = await until(
      () => node.store.db.selectFrom('incidents').selectAll().executeTakeFirst(),
      'an incident opened by the failing check',
    );
    expect(incident).toMatchObject({ severity: 'critical', status: 'investigating', services: '["web"]' });
    const timeline = await readTimeline(node.store.db, Number(incident.id));
    expect(timeline.map((e) => e.type)).toEqual(['opened', 'alert.firing']);
    expect(timeline[1]?.text).toContain('web.health');

    const text = await (await fetch(`${node.address}/metrics`)).text();
    expect(text).toContain('dayshift_incidents_open{severity="critical"} 1\n');
    expect(text).toContain('# TYPE dayshift_incident_deadlines_missed_total counter\n');
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.stdout + promtool.stderr).toBe('');
    expect(promtool.status).toBe(0);
  }, 30_000);
});
