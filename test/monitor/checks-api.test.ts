import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';

/**
 * A real node on a loopback port with a heartbeat check on a manual clock: the cron job's pings go to
 * its URL, and the check is on time, late, or failed as Healthchecks would say.
 */
describe('checks over HTTP: heartbeat URLs, the checks API and /metrics', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let node: RunningNode;
  let base: string;
  let viewer: string;
  let operator: string;
  const stack = stackFrom(
    `version: 1
services:
  email-queue:
    checks:
      cron: { heartbeat: { period: 1m, grace: 2m }, retries: 1 }
      with-token: { heartbeat: { period: 1h, token: "\${HB_TOKEN}" } }
`,
    { HB_TOKEN: 'cron-token-0123456789' },
  );

  beforeAll(async () => {
    node = await startNode({
      store: { sqlitePath: path.join(stack.dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      clock,
      stack,
    });
    base = node.address;
    const tokens = new TokenService(node.store, { clock });
    viewer = (await tokens.create({ name: 'v', role: 'viewer' })).token;
    operator = (await tokens.create({ name: 'o', role: 'operator' })).token;
  });
  afterAll(async () => {
    await node?.stop('test over');
  });

  const get = async (url: string, token = viewer) => {
    const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const runNow = async (id: string) => {
    const response = await fetch(`${base}/api/v1/checks/${id}/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { result: Record<string, any>; state: string };
  };

  it('shows each heartbeat URL to an API client, and a configured token is used as is', async () => {
    const { status, body } = await get('/api/v1/checks/email-queue.cron');
    expect(status).toBe(200);
    expect(body.heartbeat.url).toMatch(/^\/ping\/[A-Za-z0-9_-]{20,}$/);
    expect(body.heartbeat.fail).toBe(`${body.heartbeat.url}/fail`);
    const configured = await get('/api/v1/checks/email-queue.with-token');
    expect(configured.body.heartbeat.url).toBe('/ping/cron-token-0123456789');
  });

  it('is on time after a ping, late after period + grace of silence, failed after /fail', async () => {
    const url = (await get('/api/v1/checks/email-queue.cron')).body.heartbeat.url as string;
    const ping = await fetch(`${base}${url}`);
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('OK\n');
    expect((await runNow('email-queue.cron')).result).toMatchObject({
      outcome: 'pass',
      values: { on_time: true },
    });

    clock.advance(2 * 60_000 + 59_000);
    expect((await runNow('email-queue.cron')).result.outcome).toBe('pass');
    clock.advance(2_000);
    const late = await runNow('email-queue.cron');
    expect(late.state).toBe('unhealthy');
    expect(late.result.error).toMatch(/^no ping for 3m1s \(period 1m \+ grace 2m\)$/);

    // curl -fsS -m 10 --retry 5 -o /dev/null <url> as the cron job sends it: a GET, then a POST to /fail.
    await fetch(`${base}${url}`, { method: 'POST', body: 'ok' });
    expect((await runNow('email-queue.cron')).state).toBe('healthy');
    clock.advance(1_000);
    expect((await fetch(`${base}${url}/fail`, { method: 'POST' })).status).toBe(200);
    const failed = await runNow('email-queue.cron');
    expect(failed.state).toBe('unhealthy');
    expect(failed.result.error).toBe('the job failed 1s ago');

    const details = await get('/api/v1/checks/email-queue.cron');
    expect(details.body.check).toMatchObject({
      state: 'unhealthy',
      reason: 'the job failed 1s ago',
    });
    expect(details.body.transitions.map((t: { to: string }) => t.to)).toEqual([
      'healthy',
      'unhealthy',
      'healthy',
      'unhealthy',
    ]);
    expect(details.body.samples.length).toBeGreaterThanOrEqual(5);
  });

  it('treats a start without a finish within grace as a failure', async () => {
    const url = '/ping/cron-token-0123456789';
    await fetch(`${base}${url}`);
    clock.advance(1_000);
    await fetch(`${base}${url}/start`);
    clock.advance(1_000);
    // This heartbeat has no grace: a run that has started must already have finished.
    const running = await runNow('email-queue.with-token');
    expect(running.result.error).toBe('the job started 1s ago and has not finished (grace 0s)');
    clock.advance(4_000);
    await fetch(`${base}${url}`);
    const done = await runNow('email-queue.with-token');
    expect(done.result).toMatchObject({ outcome: 'pass', values: { run_seconds: 5 } });
  });

  it('answers the history of a check in steps, and refuses a step that is not whole minutes', async () => {
    const to = clock.now() + 60_000;
    const { status, body } = await get(
      `/api/v1/checks/email-queue.cron/history?from=${to - 3_600_000}&to=${to}&step=1h`,
    );
    expect(status).toBe(200);
    const buckets = body.buckets as Array<{ count: number; failures: number }>;
    const samples = (await get('/api/v1/checks/email-queue.cron')).body.samples as Array<{ outcome: string }>;
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(samples.length);
    expect(buckets.reduce((n, b) => n + b.failures, 0)).toBe(
      samples.filter((s) => s.outcome === 'fail').length,
    );
    expect(samples.filter((s) => s.outcome === 'fail').length).toBeGreaterThanOrEqual(2);
    const bad = await get('/api/v1/checks/email-queue.cron/history?step=90s');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
  });

  it('answers 404 to an unknown heartbeat token, and needs no API token for pings', async () => {
    const response = await fetch(`${base}/ping/not-a-token`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'no heartbeat check has this URL' },
    });
  });

  it('lists checks for a viewer, refuses a run-now to a viewer, and 404s an unknown check', async () => {
    const list = await get('/api/v1/checks');
    expect(list.body.checks.map((c: { id: string }) => c.id)).toEqual([
      'email-queue.cron',
      'email-queue.with-token',
    ]);
    const refused = await fetch(`${base}/api/v1/checks/email-queue.cron/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(refused.status).toBe(403);
    const missing = await get('/api/v1/checks/email-queue.nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CHECK_NOT_FOUND');
  });

  it('exports per-check series that promtool accepts', async () => {
    await fetch(`${base}/ping/cron-token-0123456789`);
    const text = await (await fetch(`${base}/metrics`)).text();
    const labels = 'service="email-queue",check="cron",kind="heartbeat"';
    expect(text).toMatch(/^dayshift_check_up\{service="email-queue",check="cron",kind="heartbeat"\} 0$/m);
    // One series per state, so a change of state leaves no stale series behind.
    const states = [...text.matchAll(/^dayshift_check_state\{(.*),state="(\w+)"\} (\d)$/gm)]
      .filter((m) => m[1] === labels)
      .map((m) => `${m[2]}=${m[3]}`);
    expect(states).toEqual(['starting=0', 'healthy=0', 'degraded=0', 'unhealthy=1', 'paused=0']);
    const failures = Number(
      new RegExp(`^dayshift_check_failures_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1],
    );
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(text).toContain(
      `dayshift_heartbeat_last_ping_timestamp_seconds{service="email-queue",check="with-token"} ${clock.now() / 1000}\n`,
    );
    expect(text).toMatch(
      /^dayshift_check_value\{service="email-queue",check="cron",kind="heartbeat",name="on_time"\} 0$/m,
    );
    expect(text).toMatch(/^dayshift_checks_held 2$/m);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (see .ci/run)').toBeUndefined();
    expect(promtool.status, promtool.stderr + promtool.stdout).toBe(0);
  });
});
