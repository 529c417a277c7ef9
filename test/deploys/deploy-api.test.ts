/**
 * Deploys through a node: the built `dayshift serve` on a stack file with a Compose service deployed by
 * image, on a real Engine and a real registry (test/helpers/registry.ts). The deploy API opens the run
 * at once and answers 202; the node's worker carries it out (the `deploy.run` job). The app's versions
 * are busybox images pushed there (test/helpers/deploy-images.ts): v1 and v2 are good, v3's health
 * endpoint answers 500. One Compose project, one stack file and one node for the whole file; the tests
 * run in order, each starting from where the one before left the service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/built-cli.js';
import { type CliRun, spawnCli } from '../helpers/cli-process.js';
import {
  APP_PATHS,
  type BuiltApp,
  buildApp,
  cleanUpDeployTest,
  versionOn,
  webService,
} from '../helpers/deploy-images.js';
import { ComposeSandbox, freePort, requireDocker } from '../helpers/docker.js';
import { LocalRegistry } from '../helpers/registry.js';
import { until } from '../helpers/wait.js';

const sandbox = new ComposeSandbox();
let registry: LocalRegistry;
const apps: Record<string, BuiltApp> = {};
let port = 0;
let node: ChildProcess | undefined;
let nodeExited: Promise<void> | undefined;
let nodeOutput = '';
let base = '';
const token = { operator: '', viewer: '' };

const stackFile = () => path.join(sandbox.dir, 'dayshift.yaml');
/** The CLI and the node share the stack's SQLite store, never a database named in the environment. */
const ENV = { ...process.env, NO_COLOR: '1', DAYSHIFT_DATABASE_URL: '' };

function stack(): string {
  return `version: 1
stack: shop
runtime: { compose: { project_name: ${sandbox.project} } }
services:
  web:
    checks:
      health: { http: { url: "http://127.0.0.1:${port}${APP_PATHS.health}" }, expect: ["status == 200"], every: 1s }
smoke:
  post-deploy:
    - { http: { url: "http://127.0.0.1:${port}${APP_PATHS.smoke}" }, expect: ["status == 200"] }
alerting:
  evaluate_every: 1s
deploys:
  web:
    image: ${registry.host}/shop/web
    verify: { healthy_within: 30s, smoke: post-deploy }
    rollback: auto
    keep_releases: 3
    alert_on_drift: true
`;
}

/** The built CLI on the stack file, run to its end. */
function dayshift(...args: string[]): Promise<CliRun> {
  return spawnCli(stackFile(), args, { cwd: sandbox.dir, env: ENV }).done;
}

async function createToken(role: string, name: string): Promise<string> {
  const out = await dayshift('token', 'create', '--role', role, '--name', name);
  if (out.code !== 0) throw new Error(`token create failed: ${out.stderr}`);
  return out.stdout.trim();
}

/** Starts the built `dayshift serve` on a free loopback port; resolves with where it listens. */
async function serve(): Promise<string> {
  const child = spawn(process.execPath, [CLI, '--config', stackFile(), 'serve', '--listen', '127.0.0.1:0'], {
    cwd: sandbox.dir,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node = child;
  nodeExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    nodeOutput += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    nodeOutput += chunk;
  });
  return until(async () => {
    if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}): ${nodeOutput}`);
    for (const line of nodeOutput.split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { msg?: string; address?: string };
      if (parsed.msg === 'dayshift serving') return parsed.address;
    }
    return undefined;
  }, 'serve to listen');
}

/** SIGTERM and wait for the node to exit; SIGKILL after 20 s. */
async function stopNode(): Promise<void> {
  if (!node || node.exitCode !== null || node.signalCode !== null) return;
  node.kill('SIGTERM');
  const timer = setTimeout(() => node?.kill('SIGKILL'), 20_000);
  await nodeExited;
  clearTimeout(timer);
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by the assertions
type Json = any;

async function call(
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? token.operator}`,
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The run once it has finished (any status but running or waiting). */
async function finished(runId: number, timeoutMs = 120_000): Promise<Json> {
  return until(
    async () => {
      const { status, body } = await call('GET', `/api/v1/runs/${runId}`, { token: token.viewer });
      if (status !== 200) throw new Error(`GET /api/v1/runs/${runId} answered ${status}`);
      return ['succeeded', 'failed', 'cancelled'].includes(body.run.status) ? body.run : undefined;
    },
    `run ${runId} to finish`,
    timeoutMs,
    200,
  );
}

/** What the app says its version is, once it says `expected`. */
const version = (expected: string) => versionOn(port, expected);

async function deploy(image: string): Promise<number> {
  const { status, body } = await call('POST', '/api/v1/deploys/web', { body: { image } });
  expect(status, JSON.stringify(body)).toBe(202);
  expect(body).toMatchObject({ runId: expect.any(Number), job: { id: expect.any(Number) } });
  expect(body.url).toBe(`/api/v1/runs/${body.runId}`);
  return body.runId as number;
}

beforeAll(async () => {
  await requireDocker();
  registry = await LocalRegistry.start();
  for (const v of [{ version: 'v1' }, { version: 'v2' }, { version: 'v3', health: 500 as const }])
    apps[v.version] = await buildApp(registry, 'shop/web', v.version, { ...v, startPeriodS: 2 });
  port = await freePort();
  sandbox.write({
    'docker-compose.yml': `services:\n${webService(apps.v1?.digest as string, port, sandbox.docker.id)}`,
    'dayshift.yaml': stack(),
  });
  await sandbox.compose('up', '-d');
  token.operator = await createToken('operator', 'ci-deploy');
  token.viewer = await createToken('viewer', 'dashboard');
  base = await serve();
}, 300_000);

afterAll(async () => {
  await stopNode();
  await cleanUpDeployTest(sandbox, registry);
}, 120_000);

describe('deploys through a node', () => {
  it('deploys v1 then v2 through the API: 202 with the run, carried out by the node; a second deploy meanwhile is 409 naming it', async () => {
    const first = await finished(await deploy('v1'));
    expect(first.status, JSON.stringify(first.steps)).toBe('succeeded');
    await version('v1');

    const runId = await deploy('v2');
    const busy = await call('POST', '/api/v1/deploys/web', { body: { image: 'v1' } });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('DEPLOY_BUSY');
    expect(busy.body.error.message).toContain(`a deploy of web is already going: run ${runId}`);
    const run = await finished(runId);
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(run.kind).toBe('deploy');
    expect(run.name).toBe('web');
    expect(run.trigger).toBe('api:ci-deploy');
    const steps = (run.steps as Array<{ name: string; outcome: string }>).map((s) => [s.name, s.outcome]);
    expect(steps).toEqual(
      expect.arrayContaining([
        ['pin', 'pass'],
        ['apply', 'pass'],
        ['verify', 'pass'],
        ['release', 'pass'],
      ]),
    );
    await version('v2');
  });

  it('lists the deploy runs with their releases, and the releases of the service', async () => {
    const { status, body } = await call('GET', '/api/v1/deploys?service=web', { token: token.viewer });
    expect(status).toBe(200);
    const [newest, older] = body.deploys as Json[];
    expect(newest).toMatchObject({ kind: 'deploy', name: 'web', status: 'succeeded' });
    expect(newest.releases).toHaveLength(1);
    expect(newest.releases[0]).toMatchObject({
      target: apps.v2?.digest,
      requested: `${registry.host}/shop/web:v2`,
      action: 'deploy',
      state: 'verified',
      knownGood: true,
      createdBy: 'ci-deploy',
      runId: newest.id,
    });
    expect(older.releases[0]).toMatchObject({ target: apps.v1?.digest, state: 'verified' });

    const listed = await call('GET', '/api/v1/releases?service=web', { token: token.viewer });
    expect(listed.status).toBe(200);
    expect((listed.body.releases as Json[]).map((r) => r.target)).toEqual([apps.v2?.digest, apps.v1?.digest]);
  });

  it('refuses a viewer token a deploy or a rollback (403), and lets it read', async () => {
    const refused = await call('POST', '/api/v1/deploys/web', { token: token.viewer, body: { image: 'v1' } });
    expect(refused.status).toBe(403);
    const back = await call('POST', '/api/v1/deploys/web/rollback', { token: token.viewer, body: {} });
    expect(back.status).toBe(403);
    expect((await call('GET', '/api/v1/deploys', { token: token.viewer })).status).toBe(200);
    expect((await call('GET', '/api/v1/releases', { token: token.viewer })).status).toBe(200);
    // Nothing was started by the refused requests.
    const { body } = await call('GET', '/api/v1/deploys?service=web', { token: token.viewer });
    expect(body.deploys).toHaveLength(2);
  });

  it('checks a deploy request before it opens a run: an unknown service, a ref for a service deployed by image, both', async () => {
    const unknown = await call('POST', '/api/v1/deploys/nope', { body: { image: 'v1' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('SERVICE_NOT_FOUND');
    const byRef = await call('POST', '/api/v1/deploys/web', { body: { ref: 'main' } });
    expect(byRef.status).toBe(400);
    expect(byRef.body.error).toMatchObject({
      code: 'DEPLOY_UNSUPPORTED',
      message: 'web is deployed by image, not by git ref: give --image <ref>',
    });
    const both = await call('POST', '/api/v1/deploys/web', { body: { image: 'v1', ref: 'main' } });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('BAD_REQUEST');
    const extra = await call('POST', '/api/v1/deploys/web', { body: { image: 'v1', force: true } });
    expect(extra.status).toBe(400);
    const { body } = await call('GET', '/api/v1/deploys?service=web', { token: token.viewer });
    expect(body.deploys).toHaveLength(2);
  });

  it('rolls back through the API to the release before', async () => {
    const { status, body } = await call('POST', '/api/v1/deploys/web/rollback', { body: {} });
    expect(status, JSON.stringify(body)).toBe(202);
    const run = await finished(body.runId);
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    await version('v1');
    const { body: listed } = await call('GET', '/api/v1/releases?service=web&limit=1', {
      token: token.viewer,
    });
    expect(listed.releases[0]).toMatchObject({
      target: apps.v1?.digest,
      action: 'rollback',
      state: 'verified',
      runId: body.runId,
    });
  });

  it('says where the service stands against its live release, and sees a deploy by hand as drift', async () => {
    const { status, body } = await call('GET', '/api/v1/services/web', { token: token.viewer });
    expect(status).toBe(200);
    expect(body.service.release).toMatchObject({
      target: apps.v1?.digest,
      running: apps.v1?.digest,
      drift: false,
    });

    // By hand: Compose recreates the container at v2, without the override file Dayshift wrote.
    sandbox.write({
      'by-hand.yml': `services:\n  web:\n    image: ${apps.v2?.digest}\n`,
    });
    await sandbox.compose('-f', 'docker-compose.yml', '-f', 'by-hand.yml', 'up', '-d');
    await version('v2');

    const drifted = await call('GET', '/api/v1/services/web', { token: token.viewer });
    expect(drifted.body.service.release).toMatchObject({
      target: apps.v1?.digest,
      running: apps.v2?.digest,
      drift: true,
    });
    expect(drifted.body.service.release.detail).toMatch(
      /^drift: it runs .* not release \d+ .*deployed by hand\?$/,
    );

    const shown = await dayshift('svc', 'status', 'web');
    expect(shown.stdout).toMatch(/^release: drift: it runs .*deployed by hand\?$/m);

    // `alert_on_drift: true`: the node alerts on it.
    const alert = await until(
      async () => {
        const { body: open } = await call('GET', '/api/v1/alerts?state=open', { token: token.viewer });
        return (open.alerts as Json[]).find((a) => a.key === 'deploy:web:drift');
      },
      'the drift alert',
      30_000,
      250,
    );
    expect(alert.summary).toMatch(/^web: drift: it runs .*deployed by hand\?$/);
    expect(alert.labels).toMatchObject({ service: 'web', origin: 'deploy' });
  });

  it('alerts when a deploy through the API fails (v3: health 500), naming the failed digest; it rolls back', async () => {
    const run = await finished(await deploy('v3'));
    expect(run.status).toBe('failed');
    const steps = Object.fromEntries(
      (run.steps as Array<{ name: string; outcome: string }>).map((s) => [s.name, s.outcome]),
    );
    expect(steps).toMatchObject({ apply: 'pass', verify: 'fail', 'on_failure.rollback': 'pass' });

    const alert = await until(
      async () => {
        const { body } = await call('GET', '/api/v1/alerts?state=open', { token: token.viewer });
        return (body.alerts as Json[]).find((a) => a.key === 'deploy:web:failed');
      },
      'the deploy alert',
      60_000,
      250,
    );
    expect(alert.summary).toContain(apps.v3?.digest);
    expect(alert.summary).toContain('failed: verify: its healthcheck says unhealthy');
    // Where it left the service: the alert waits for the rollback to end, and says so.
    expect(alert.summary).toContain(`rolled back to ${apps.v1?.digest}, healthy again`);
    expect(alert.labels).toMatchObject({ service: 'web', origin: 'deploy' });

    // The run recorded both releases: the failed one, then the one it rolled back to.
    const listed = await call('GET', '/api/v1/deploys?service=web&limit=1', { token: token.viewer });
    expect(listed.body.deploys[0].id).toBe(run.id);
    expect(listed.body.deploys[0].releases).toMatchObject([
      { target: apps.v3?.digest, action: 'deploy', state: 'failed', knownGood: false },
      { target: apps.v1?.digest, action: 'rollback', state: 'verified' },
    ]);

    // The rollback put the service back on its live release: no drift, and its alert resolves.
    const { body } = await call('GET', '/api/v1/services/web', { token: token.viewer });
    expect(body.service.release.drift).toBe(false);
    await until(
      async () => {
        const { body: open } = await call('GET', '/api/v1/alerts?state=open', { token: token.viewer });
        return (open.alerts as Json[]).some((a) => a.key === 'deploy:web:drift') ? undefined : true;
      },
      'the drift alert to resolve',
      30_000,
      250,
    );
    expect(body.service.release.target).not.toBe(apps.v3?.digest);
  });

  it('finishes the deploy of a node killed mid-deploy on another node: interrupted, the service on a recorded release', async () => {
    // v3 never becomes healthy: its verify lasts seconds, so the kill surely lands after apply, before the end.
    const { status, body } = await call('POST', '/api/v1/deploys/web', { body: { image: 'v3' } });
    expect(status).toBe(202);
    const runId = body.runId as number;
    // Killed once the new release is applied, before its verification is recorded.
    await until(
      async () => {
        const { body: listed } = await call('GET', '/api/v1/deploys?service=web&limit=1', {
          token: token.viewer,
        });
        const run = (listed.deploys as Json[])[0];
        return run?.id === runId && (run.releases as Json[]).some((r) => r.appliedAt !== null)
          ? true
          : undefined;
      },
      'the deploy to apply v3',
      60_000,
      20,
    );
    node?.kill('SIGKILL');
    await nodeExited;
    // Another node on this host: its sweep finds the run's process gone and finishes it.
    nodeOutput = '';
    base = await serve();
    const run = await finished(runId);
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run.summary)).toContain('interrupted');
    // The release applied but not verified is settled: the one before is put back and waited healthy.
    await until(
      async () => {
        const { body: listed } = await call('GET', '/api/v1/releases?service=web&limit=5', {
          token: token.viewer,
        });
        return (listed.releases as Json[]).some((r) => r.state === 'deploying') ? undefined : true;
      },
      'every release of web to be settled',
      60_000,
      250,
    );
    const { body: answer } = await call('GET', '/api/v1/services/web', { token: token.viewer });
    const service = answer.service;
    expect(service.release.drift).toBe(false);
    // The applied, unverified v3 was undone: the release before it (v1) is put back, never an unknown one.
    expect(service.release.target).toBe(apps.v1?.digest);
    await version('v1');
    const { body: releases } = await call('GET', '/api/v1/releases?service=web&limit=3', {
      token: token.viewer,
    });
    const live = (releases.releases as Json[]).find((r) => r.id === service.release.release);
    expect(live.state).toBe('verified');
  });
});
