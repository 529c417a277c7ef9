import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { Target } from '../helpers/target.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');

/** A maintenance window twelve hours away: never open while the tests run, always within `status`'s day. */
const WINDOW_HOUR = (new Date().getUTCHours() + 12) % 24;

describe.each(STORE_KINDS)('alerts, silences and maintenance through the API and the CLI (%s)', (kind) => {
  let test: TestStore;
  let node: RunningNode;
  let target: Target;
  let receiver: Receiver;
  let base: string;
  let configPath: string;
  let viewer: string;
  let operator: string;

  beforeAll(async () => {
    receiver = await Receiver.start();
    target = await Target.start();
    test = await createTestStore(kind);
    const stack = stackFrom(
      `
version: 1
${storeYaml(test.options)}
services:
  api:
    checks:
      health: { tcp: { host: 127.0.0.1, port: ${target.port} }, every: 1s, timeout: 500ms, retries: 1 }
maintenance:
  - { name: nightly, schedule: "0 ${WINDOW_HOUR} * * *", duration: 30m, services: [api] }
notifiers:
  hook: { webhook: { url: "\${HOOK_URL}", secret: "canary-cli-secret-55e1" } }
`,
      { HOOK_URL: receiver.url },
    );
    configPath = stack.configPath;
    node = await startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack: { config: stack.config, configPath },
    });
    base = node.address;
    const tokens = new TokenService(node.store);
    viewer = (await tokens.create({ name: 'v', role: 'viewer' })).token;
    operator = (await tokens.create({ name: 'carol', role: 'operator' })).token;
    await target.down();
    await until(
      async () => (await node.store.db.selectFrom('alerts').select('id').executeTakeFirst()) ?? undefined,
      'an alert',
    );
  });
  afterAll(async () => {
    await node.stop('test over');
    await target.down();
    await receiver.close();
    await test.destroy();
  });

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', CLI, '--config', configPath, ...args], {
      env: {
        ...process.env,
        USER: 'dave',
        HOOK_URL: receiver.url,
      },
    });

  it('lists firing alerts and shows one with its timeline and notifications', async () => {
    const list = await call('GET', '/api/v1/alerts?state=firing', viewer);
    expect(list.status).toBe(200);
    expect(list.body.alerts).toHaveLength(1);
    expect(list.body.alerts[0]).toMatchObject({
      key: 'check:api.health',
      state: 'firing',
      origin: 'check',
      labels: { origin: 'check' },
    });
    expect(list.body.alerts[0]).not.toHaveProperty('source');
    const one = await call('GET', `/api/v1/alerts/${list.body.alerts[0].id}`, viewer);
    expect(one.body.timeline.map((e: { type: string }) => e.type)).toEqual(['firing']);
    expect((await call('GET', '/api/v1/alerts/999', viewer)).status).toBe(404);
  });

  it('acknowledging needs the operator role and records who', async () => {
    const [alert] = (await call('GET', '/api/v1/alerts', viewer)).body.alerts;
    expect((await call('POST', `/api/v1/alerts/${alert.id}/ack`, viewer, {})).status).toBe(403);
    const acked = await call('POST', `/api/v1/alerts/${alert.id}/ack`, operator, { comment: 'on it' });
    expect(acked.status).toBe(200);
    expect(acked.body.alert).toMatchObject({ ackedBy: 'carol' });
  });

  it('creates, lists and expires silences; refuses a bad matcher', async () => {
    const made = await call('POST', '/api/v1/silences', operator, {
      matchers: ['service=api', 'severity=~high|critical'],
      duration: '2h',
      comment: 'deploy',
    });
    expect(made.status).toBe(201);
    expect(made.body.silence.matchers).toEqual([
      { name: 'service', op: '=', value: 'api' },
      { name: 'severity', op: '=~', value: 'high|critical' },
    ]);
    const bad = await call('POST', '/api/v1/silences', operator, { matchers: ['service'], duration: '2h' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.hint).toMatch(/label=value/);
    // The alert's origin was once the label `source`: a matcher on it would hold back nothing.
    const renamed = await call('POST', '/api/v1/silences', operator, {
      matchers: ['service=api', 'source=~check|missed'],
      duration: '2h',
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(renamed.body.error.message).toContain('the label "source", which is now called "origin"');
    expect(renamed.body.error.hint).toContain('origin=~check|missed');
    expect((await call('GET', '/api/v1/silences', viewer)).body.silences).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/silences/${made.body.silence.id}`, operator)).status).toBe(200);
    expect((await call('GET', '/api/v1/silences', viewer)).body.silences).toHaveLength(0);
  });

  it('lists the file windows and opens and ends a one-off window', async () => {
    const made = await call('POST', '/api/v1/maintenance', operator, {
      name: 'db-upgrade',
      duration: '1h',
      services: ['api'],
    });
    expect(made.status).toBe(201);
    const listed = await call('GET', '/api/v1/maintenance?within=2d', viewer);
    const names = listed.body.windows.map((w: { name: string }) => w.name);
    expect(names).toContain('nightly');
    expect(listed.body.windows.find((w: { name: string }) => w.name === 'db-upgrade')).toMatchObject({
      active: true,
      definedIn: 'api',
    });
    expect((await call('DELETE', `/api/v1/maintenance/${made.body.window.id}`, operator)).status).toBe(200);
  });

  it('the CLI lists, shows, acknowledges and silences', async () => {
    const list = await cli('alerts', '--firing');
    expect(list.stdout).toMatch(/^ID\s+STATE\s+SEVERITY\s+NAME/m);
    expect(list.stdout).toContain('api.health unhealthy');
    const [alert] = (await call('GET', '/api/v1/alerts', viewer)).body.alerts;
    const shown = await cli('alerts', 'show', String(alert.id));
    expect(shown.stdout).toContain('acknowledged');
    expect(shown.stdout).toContain('carol: on it');
    const silence = await cli('silence', 'service=api', '--for', '30m', '--comment', 'looking');
    expect(silence.stdout).toMatch(/^silence #\d+ until /);
    const json = JSON.parse((await cli('silence', '--list', '--json')).stdout) as Array<{
      createdBy: string;
    }>;
    expect(json[0]?.createdBy).toBe('dave');
    const renamed = await cli('silence', 'source=check').catch((e: { code: number; stderr: string }) => e);
    expect(renamed).toMatchObject({ code: 2 });
    expect((renamed as { stderr: string }).stderr).toContain('which is now called "origin"');
    expect((renamed as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    const missing = await cli('ack', '4242').catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2 });
    expect((missing as { stderr: string }).stderr).toContain('no alert #4242');
  });

  it('notify test sends a test message and says what the receiver answered', async () => {
    receiver.received.length = 0;
    const ok = await cli('notify', 'test', 'hook');
    expect(ok.stdout).toMatch(/^hook \(webhook\) accepted the test message in \d+ ms: 200/);
    // The check's own alert may reach the hook too (late under load); the test message is the one keyed test:hook.
    const sent = receiver
      .json<{ alerts: Array<{ key: string }> }>()
      .find((body) => body.alerts[0]?.key === 'test:hook');
    expect(sent).toMatchObject({ alerts: [{ event: 'test', key: 'test:hook', origin: 'test' }] });
    expect(ok.stdout + ok.stderr).not.toContain('canary-cli-secret-55e1');
  });

  it('status lists the maintenance windows of the day', async () => {
    const { stdout } = await cli('status');
    expect(stdout).toMatch(/maintenance \(notifications held back; states still recorded\):/);
    expect(stdout).toMatch(/^nightly\s+api\s+/m);
  });
});
