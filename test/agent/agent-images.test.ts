/**
 * Image deploys through `dayshift agent`, on a real Engine and a real registry
 * (test/helpers/registry.ts, test/helpers/deploy-images.ts): one container of the app, run by name on
 * the host network, which the agents' stack file gives the docker driver acting locally. Two agents of
 * the built program take the client's signed requests on their unix sockets: one with
 * `--allow status,deploy`, one with `--allow status,restart`. The client's stack file sends `web`'s
 * actions to the first through its driver's `agent: { url, token }`, so its `ServiceHandle.images()`
 * is the agent's, and `dayshift deploy` deploys through it.
 * - `running` gives the digest the container runs, `pull` the registry's digest of a tag, and a tag
 *   the registry lacks comes back as IMAGE_NOT_FOUND, its code kept across the wire;
 * - `apply` runs the new digest (the app then answers the new version), audited as agent.deploy.apply;
 * - the agent without `deploy` answers `running` (its `status` covers it) and refuses the rest with
 *   AGENT_ACTION_REFUSED; a request signed with another token, or with a tag where a digest belongs,
 *   changes nothing;
 * - `dayshift deploy web --image v1` with the client's stack file deploys through the agent;
 * - `prune` (the deploy's, and one asked directly) removes the repository's other images from the
 *   agent's Engine, not the kept digest.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { signedHeaders } from '../../src/drivers/shared/agent-signature.js';
import type { ImageReleases } from '../../src/drivers/types.js';
import { DayshiftError } from '../../src/errors.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import type { Store } from '../../src/store/index.js';
import { rawAgentRequest } from '../helpers/agent-socket.js';
import { CLI } from '../helpers/built-cli.js';
import { APP_PATHS, type BuiltApp, buildApp, removeApps, versionOn } from '../helpers/deploy-images.js';
import { docker, freePort, requireDocker } from '../helpers/docker.js';
import { LocalRegistry } from '../helpers/registry.js';
import { createTestStore, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const options = { timeoutMs: 120_000 };
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-agent-images-'));
const token = randomBytes(32).toString('hex');
const container = `dayshift-test-agentimg-${randomBytes(4).toString('hex')}`;
const REPOSITORY = `agentimg-${randomBytes(3).toString('hex')}/web`;
let registry: LocalRegistry;
let v1: BuiltApp;
let v2: BuiltApp;
let port = 0;
let test: TestStore;
let store: Store;

interface Agent {
  socket: string;
  child: ChildProcess;
  out: string;
}
/** The agent that deploys, and the one whose list lacks `deploy`. */
const agents: Record<'deployer' | 'restarter', Agent> = {} as never;

/** Starts the built agent on its own socket over the agents' stack file, and waits until it listens. */
async function startAgent(name: keyof typeof agents, allow: string): Promise<void> {
  const socket = path.join(dir, `${name}.sock`);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'agent',
      '--config',
      path.join(dir, 'agent', 'dayshift.yaml'),
      '--listen',
      `unix:${socket}`,
      '--allow',
      allow,
    ],
    { env: { ...process.env, DAYSHIFT_AGENT_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const agent: Agent = { socket, child, out: '' };
  agents[name] = agent;
  const take = (chunk: Buffer) => {
    agent.out += chunk.toString();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  await until(
    () => (agent.out.includes('agent listening') ? true : undefined),
    () => `the ${name} agent to listen: ${agent.out}`,
  );
}

/** The client's stack file: `web` acts through the agent on `socket`, and deploys by image. */
function clientStack(socket: string): string {
  return `version: 1
stack: shop
services:
  web:
    driver:
      docker:
        container: not-the-agents-name
        agent: { url: "unix:${socket}", token: "\${AGENT_TOKEN}" }
    checks:
      health: { http: { url: "http://127.0.0.1:${port}${APP_PATHS.health}" }, expect: ["status == 200"], every: 1s }
deploys:
  web:
    image: ${registry.host}/${REPOSITORY}
    verify: { healthy_within: 30s }
    rollback: auto
`;
}

/** `web`'s image deploys as the client sees them, through the agent on `socket`, signed with `as`. */
function imagesVia(socket: string, as = token): ImageReleases {
  const file = path.join(dir, 'client', `via-${path.basename(socket)}.yaml`);
  writeFileSync(file, clientStack(socket));
  const { config } = loadConfigOrThrow(file, { env: { AGENT_TOKEN: as } });
  const images = new ServiceHandle(config, path.dirname(file), 'web').images();
  if (!images) throw new Error('a service behind an agent has no image deploys');
  return images;
}

/** The error `work` fails with; it must fail with a DayshiftError. */
async function failure(work: Promise<unknown>): Promise<DayshiftError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  return error as DayshiftError;
}

/** What the app says its version is, once it says `expected`. */
const version = (expected: string) => versionOn(port, expected);

/** The image the container was created from, as the Engine says. */
async function containerImage(): Promise<string> {
  return docker('inspect', '--format', '{{.Config.Image}}', container);
}

/** One raw request to an agent's socket: what any local process could send. */
const raw = rawAgentRequest;

const signed = (pathname: string, body: string, as = token) =>
  signedHeaders(as, { method: 'POST', path: pathname, body });

beforeAll(async () => {
  await requireDocker();
  registry = await LocalRegistry.start();
  v1 = await buildApp(registry, REPOSITORY, 'v1', { version: 'v1', startPeriodS: 1 });
  v2 = await buildApp(registry, REPOSITORY, 'v2', { version: 'v2', startPeriodS: 1 });
  port = await freePort();
  await docker(
    'run',
    '-d',
    '--name',
    container,
    '--network',
    'host',
    '-e',
    `PORT=${port}`,
    '--stop-timeout',
    '3',
    v1.digest,
  );
  await version('v1');
  test = await createTestStore('sqlite');
  store = await test.open();
  mkdirSync(path.join(dir, 'agent'));
  mkdirSync(path.join(dir, 'client'));
  writeFileSync(
    path.join(dir, 'agent', 'dayshift.yaml'),
    `version: 1\n${storeYaml(test.options)}\nservices:\n  web:\n    driver: { docker: { container: ${container} } }\n`,
  );
  await startAgent('deployer', 'status,deploy');
  await startAgent('restarter', 'status,restart');
}, 300_000);

afterAll(async () => {
  for (const agent of Object.values(agents)) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  await docker('rm', '-f', container).catch(() => '');
  await test?.destroy();
  await removeApps(registry);
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('image deploys through dayshift agent', () => {
  it('reads the running digest and pulls a tag to the registry`s digest; a missing tag keeps its code', async () => {
    const images = imagesVia(agents.deployer.socket);
    expect((await images.running(options)).digest).toBe(v1.digest);
    const pulled = await images.pull(`${registry.host}/${REPOSITORY}:v2`, options);
    expect(pulled).toBe(`${registry.host}/${REPOSITORY}@${await registry.digestOf(REPOSITORY, 'v2')}`);
    expect(pulled).toBe(v2.digest);
    const missing = await failure(images.pull(`${registry.host}/${REPOSITORY}:no-such-tag`, options));
    expect(missing.code).toBe('IMAGE_NOT_FOUND');
    expect(missing.message).toContain('no-such-tag');
    expect(missing.message).toContain(`(agent at unix:${agents.deployer.socket})`);
    const side = await images.sideBySide(options);
    expect(side).toMatchObject({ possible: false });
    expect(side.why).toContain(container);
  });

  it('applies a digest: the app then answers the new version, and the agent audits it', async () => {
    const images = imagesVia(agents.deployer.socket);
    const applied = await images.apply(v2.digest, options);
    expect(applied).toMatchObject({ sideBySide: false });
    expect(applied.detail).toContain(v2.digest);
    await version('v2');
    expect(await containerImage()).toBe(v2.digest);
    expect((await images.running(options)).digest).toBe(v2.digest);
    const audit = await listAudit(store.db, { action: 'agent.deploy.', limit: 100 });
    expect(audit.find((e) => e.action === 'agent.deploy.apply')).toMatchObject({
      actor: 'agent:client',
      target: 'web',
      result: 'ok',
      params: { digest: v2.digest },
    });
    expect(audit.find((e) => e.action === 'agent.deploy.pull' && e.result === 'ok')?.params).toMatchObject({
      reference: `${registry.host}/${REPOSITORY}:v2`,
    });
  });

  it('an agent without `deploy` in its list reads the running digest and refuses the rest', async () => {
    const images = imagesVia(agents.restarter.socket);
    expect((await images.running(options)).digest).toBe(v2.digest);
    // One at a time: a refusal not yet awaited would be an unhandled rejection.
    for (const work of [
      () => images.pull(v1.ref, options),
      () => images.apply(v1.digest, options),
      () => images.sideBySide(options),
      () => images.prune(`${registry.host}/${REPOSITORY}`, [v2.digest], options),
    ]) {
      const refused = await failure(work());
      expect(refused.code).toBe('AGENT_ACTION_REFUSED');
      expect(refused.hint).toContain('deploy');
    }
    expect(await containerImage()).toBe(v2.digest);
    const audit = await listAudit(store.db, { action: 'agent.deploy.apply', limit: 100 });
    expect(audit.find((e) => e.result === 'refused: AGENT_ACTION_REFUSED')).toMatchObject({
      actor: 'agent:client',
      params: { reason: expect.stringContaining('images/apply') },
    });
  });

  it('refuses a request signed with another token, and a tag where a digest belongs, changing nothing', async () => {
    const stolen = imagesVia(agents.deployer.socket, randomBytes(32).toString('hex'));
    const wrong = await failure(stolen.apply(v1.digest, options));
    expect(wrong.code).toBe('AGENT_AUTH_FAILED');
    const pathname = '/v1/services/web/images/apply';
    const body = JSON.stringify({ digest: v1.digest });
    const forged = await raw(agents.deployer.socket, pathname, body, signed(pathname, body, 'x'.repeat(64)));
    expect(forged.status).toBe(401);
    expect(forged.body.error?.code).toBe('AGENT_AUTH_FAILED');
    // The same signed headers over other bytes: the body is part of the signature.
    const swapped = await raw(
      agents.deployer.socket,
      pathname,
      JSON.stringify({ digest: v2.digest }),
      signed(pathname, body),
    );
    expect(swapped.status).toBe(401);
    const tag = JSON.stringify({ digest: v1.ref });
    const notPinned = await raw(agents.deployer.socket, pathname, tag, signed(pathname, tag));
    expect(notPinned.status).toBe(400);
    expect(notPinned.body.error?.code).toBe('BAD_REQUEST');
    const extra = JSON.stringify({ digest: v1.digest, command: ['sh'] });
    const more = await raw(agents.deployer.socket, pathname, extra, signed(pathname, extra));
    expect(more.body.error?.code).toBe('BAD_REQUEST');
    const op = '/v1/services/web/images/exec';
    const unknown = await raw(agents.deployer.socket, op, '{}', signed(op, '{}'));
    expect(unknown.body.error?.code).toBe('AGENT_ACTION_REFUSED');
    expect(await containerImage()).toBe(v2.digest);
    await version('v2');
  });

  it('dayshift deploy deploys the service through the agent', async () => {
    const file = path.join(dir, 'client', 'dayshift.yaml');
    writeFileSync(file, clientStack(agents.deployer.socket));
    const validated = spawnSync(process.execPath, [CLI, 'validate', '--config', file], {
      encoding: 'utf8',
      env: { ...process.env, AGENT_TOKEN: token, NO_COLOR: '1' },
    });
    expect(validated.status, validated.stdout + validated.stderr).toBe(0);
    const deployed = spawnSync(process.execPath, [CLI, 'deploy', 'web', '--image', 'v1', '--config', file], {
      encoding: 'utf8',
      env: { ...process.env, AGENT_TOKEN: token, NO_COLOR: '1' },
      timeout: 180_000,
    });
    expect(deployed.status, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/verify: healthy in/);
    await version('v1');
    expect(await containerImage()).toBe(v1.digest);
    const audit = await listAudit(store.db, { action: 'agent.deploy.', limit: 100 });
    const applies = audit.filter((e) => e.action === 'agent.deploy.apply' && e.result === 'ok');
    expect(applies.map((e) => e.params?.digest)).toContain(v1.digest);
    // The deploy pinned the tag through the agent too: the registry's digest, not the tag, was applied.
    expect(audit.find((e) => e.action === 'agent.deploy.pull' && e.result === 'ok')?.params).toMatchObject({
      reference: `${registry.host}/${REPOSITORY}:v1`,
    });
    expect(JSON.stringify(await listAudit(store.db, { limit: 1000 }))).not.toContain(token);
  });

  it('prunes the repository`s images on the agent`s Engine but the kept digest', async () => {
    const images = imagesVia(agents.deployer.socket);
    const sha = (digest: string) => digest.slice(digest.indexOf('@') + 1);
    const onEngine = async () =>
      (
        await docker('images', '--digests', '--format', '{{.Digest}}', `${registry.host}/${REPOSITORY}`)
      ).split('\n');
    // The deploy before kept the images of its known-good releases, through the agent too: v1's, and
    // v2's, which ran before that first deploy and was recorded as known-good then.
    expect(
      (await listAudit(store.db, { action: 'agent.deploy.prune', limit: 10 })).find((e) => e.result === 'ok')
        ?.params,
    ).toMatchObject({
      repository: `${registry.host}/${REPOSITORY}`,
      keep: expect.arrayContaining([v1.digest, v2.digest]),
    });
    expect(await images.pull(v2.ref, options)).toBe(v2.digest);
    expect(await onEngine()).toContain(sha(v2.digest));
    const { removed } = await images.prune(`${registry.host}/${REPOSITORY}`, [v1.digest], options);
    expect(removed.some((r) => r.includes(sha(v2.digest)))).toBe(true);
    expect(removed.some((r) => r.includes(sha(v1.digest)))).toBe(false);
    expect(await onEngine()).toEqual([sha(v1.digest)]);
    await version('v1');
  });
});
