/**
 * Deploying by image through the compose and docker drivers, on a real Engine and a real registry
 * (test/helpers/registry.ts): the app's versions are busybox images pushed there
 * (test/helpers/deploy-images.ts), so every digest is the registry's own.
 *
 * One Compose project for the file: `web` on the host network (its port fixed, so a deploy recreates
 * it in place and says how long it was down) and `worker` on no network (deployed side by side).
 * - `running` gives the digest the containers were created from; `pull` of a tag gives the registry's;
 * - `apply` writes the override file that pins the digest, the service then runs the new version,
 *   and a later `redeploy` through the driver keeps it (Compose reads the override file too);
 * - a digest is deployed again after its tag was moved to another image;
 * - the worker's new container starts beside the old one, which is gone after.
 * The docker driver: a container selected by name is recreated in place with its configuration, and
 * put back when the new one cannot be created; one selected by label is replaced side by side.
 * `prune` removes the repository's unused images but the digests kept and those containers use.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDriver } from '../../src/drivers/compose/index.js';
import { dockerDriver } from '../../src/drivers/docker/index.js';
import type { ImageReleases, ServiceControl } from '../../src/drivers/types.js';
import { DayshiftError } from '../../src/errors.js';
import {
  APP_PATHS,
  type BuiltApp,
  buildApp,
  cleanUpDeployTest,
  versionOn,
  webService,
} from '../helpers/deploy-images.js';
import { ComposeSandbox, docker, freePort, requireDocker } from '../helpers/docker.js';
import { LocalRegistry } from '../helpers/registry.js';

const options = { timeoutMs: 120_000 };
const sandbox = new ComposeSandbox();
/** On every container the file starts, and on those the drivers create from them: cleaned up by it. */
const RUN_LABEL = `dayshift-test-run=${sandbox.docker.id}`;
let registry: LocalRegistry;
let v1: BuiltApp;
let v2: BuiltApp;
let webPort = 0;
let dockerPort = 0;

beforeAll(async () => {
  await requireDocker();
  registry = await LocalRegistry.start();
  v1 = await buildApp(registry, 'shop/web', 'v1', { version: 'v1', startPeriodS: 2 });
  v2 = await buildApp(registry, 'shop/web', 'v2', { version: 'v2', startPeriodS: 2 });
  webPort = await freePort();
  dockerPort = await freePort();
  sandbox.write({
    'docker-compose.yml': `services:
${webService(v1.ref, webPort, sandbox.docker.id)}  worker:
    image: ${v1.ref}
    network_mode: none
    labels: { dayshift-test-run: "${sandbox.docker.id}" }
`,
  });
  await sandbox.compose('up', '-d');
}, 300_000);

afterAll(async () => {
  await cleanUpDeployTest(sandbox, registry);
}, 120_000);

function composeControl(service: string): ServiceControl {
  const o = composeDriver.options.parse({ project_name: sandbox.project });
  expect(composeDriver.deploysImages()).toBe(true);
  return composeDriver.open({ service, baseDir: sandbox.dir }, o);
}

function images(control: ServiceControl): ImageReleases {
  if (!control.images) throw new Error('the driver has no image deploys');
  return control.images;
}

/** The ids of the containers with these labels, running or not. */
async function labelled(...labels: string[]): Promise<string[]> {
  const out = await docker('ps', '-aq', '--no-trunc', ...labels.flatMap((l) => ['--filter', `label=${l}`]));
  return out.split('\n').filter(Boolean);
}

/**
 * Whether the new container started before the old one stopped, from the Engine's own times: its
 * `StartedAt`, and the old one's `die` event (the old container is removed by then).
 */
async function startedBeforeOldStopped(newId: string, oldId: string, sinceMs: number): Promise<boolean> {
  const [info] = JSON.parse(await docker('inspect', newId));
  const started = Date.parse(info.State.StartedAt);
  const died = await docker(
    'events',
    '--since',
    String(Math.floor(sinceMs / 1000) - 1),
    '--until',
    (Date.now() / 1000).toFixed(3),
    '--filter',
    'type=container',
    '--filter',
    'event=die',
    '--filter',
    `container=${oldId}`,
    '--format',
    '{{.TimeNano}}',
  );
  const stopped = Number(died.split('\n')[0]) / 1e6;
  expect(stopped).toBeGreaterThan(0);
  return started < stopped;
}

async function versionInside(id: string): Promise<string> {
  return docker('exec', id, 'cat', '/www/version');
}

describe('the compose driver deploys by image', () => {
  it('runs v1, pulls v2 by tag, and deploys it in place through an override file, downtime measured', async () => {
    const web = images(composeControl('web'));
    expect(await web.running(options)).toMatchObject({ digest: v1.digest, image: v1.ref });
    await versionOn(webPort, 'v1');

    expect(await web.pull(v2.ref, options)).toBe(v2.digest);
    const side = await web.sideBySide(options);
    expect(side.possible).toBe(false);
    expect(side.why).toContain("host's network");

    const applied = await web.apply(v2.digest, options);
    expect(applied.sideBySide).toBe(false);
    expect(applied.downtimeMs).toEqual(expect.any(Number));
    expect(applied.downtimeMs).toBeGreaterThanOrEqual(0);
    expect(applied.file).toBe(path.join('.dayshift', 'deploys', 'web.override.yml'));
    const file = path.join(sandbox.dir, applied.file as string);
    expect(readFileSync(file, 'utf8')).toContain(`image: "${v2.digest}"`);
    expect(applied.detail).toContain(v2.digest);
    await versionOn(webPort, 'v2');
    expect((await web.running(options)).digest).toBe(v2.digest);
  });

  it("runs the containers' own healthcheck now, without waiting for the Engine's next probe", async () => {
    const web = images(composeControl('web'));
    const probe = await web.probe?.(options);
    expect(probe?.healthy).toBe(true);
    expect(probe?.detail).toMatch(/its healthcheck passes when run now in \S*web/);
  });

  it('keeps the pinned digest through a later redeploy: Compose reads the override file too', async () => {
    const control = composeControl('web');
    const [before] = await sandbox.ids('web');
    // Without the override, the project's own file names v1, which differs from what runs, and `up`
    // would recreate the container from it.
    expect(await sandbox.compose('config')).toContain(`image: ${v1.ref}`);
    await control.redeploy(options);
    expect(await sandbox.ids('web')).toEqual([before]);
    await versionOn(webPort, 'v2');
    expect((await images(control).running(options)).digest).toBe(v2.digest);
  });

  it("deploys v1's digest again after the v1 tag was moved to another image", async () => {
    const moved = await buildApp(registry, 'shop/web', 'v1', { version: 'v1-moved', startPeriodS: 2 });
    expect(moved.digest).not.toBe(v1.digest);
    const web = images(composeControl('web'));
    expect(await web.pull(v1.ref, options)).toBe(moved.digest);
    expect(await web.pull(v1.digest, options)).toBe(v1.digest);
    const applied = await web.apply(v1.digest, options);
    expect(applied.sideBySide).toBe(false);
    await versionOn(webPort, 'v1');
    expect(await web.running(options)).toMatchObject({ digest: v1.digest, image: v1.digest });
  });

  it('deploys a service on no network side by side: the new container runs before the old one goes', async () => {
    const worker = images(composeControl('worker'));
    expect((await worker.running(options)).digest).toBe(v1.digest);
    const side = await worker.sideBySide(options);
    expect(side).toMatchObject({ possible: true });
    expect(side.why).toContain('no container_name');

    const [old] = await sandbox.ids('worker');
    const began = Date.now();
    const applied = await worker.apply(v2.digest, options);
    expect(applied.sideBySide).toBe(true);
    expect(applied.downtimeMs).toBeUndefined();
    const now = await sandbox.ids('worker');
    expect(now).toHaveLength(1);
    expect(now).not.toContain(old);
    expect(await docker('ps', '-aq', '--filter', `id=${old}`)).toBe('');
    expect(await versionInside(now[0] as string)).toBe('v2');
    expect(await startedBeforeOldStopped(now[0] as string, old as string, began)).toBe(true);
    expect((await worker.running(options)).digest).toBe(v2.digest);
    expect(existsSync(path.join(sandbox.dir, '.dayshift', 'deploys', 'worker.override.yml'))).toBe(true);
  });
});

describe('the docker driver deploys by image', () => {
  it('recreates a container selected by name in place, with its configuration, and says how long it was down', async () => {
    const name = `dayshift-test-${sandbox.docker.id}-byname`;
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '--label',
      RUN_LABEL,
      '--label',
      'com.example.team=shop',
      '-e',
      `PORT=${dockerPort}`,
      '--restart',
      'unless-stopped',
      '--stop-timeout',
      '3',
      v1.digest,
    );
    const o = dockerDriver.options.parse({ container: name });
    expect(dockerDriver.deploysImages()).toBe(true);
    const app = images(dockerDriver.open({ service: 'app', baseDir: sandbox.dir }, o));
    await versionOn(dockerPort, 'v1');
    expect((await app.running(options)).digest).toBe(v1.digest);
    const side = await app.sideBySide(options);
    expect(side.possible).toBe(false);
    expect(side.why).toContain(`names the container (\`${name}\`)`);

    const began = Date.now();
    const applied = await app.apply(v2.digest, options);
    const took = Date.now() - began;
    expect(applied).toMatchObject({ sideBySide: false });
    expect(applied.downtimeMs).toEqual(expect.any(Number));
    expect(applied.downtimeMs).toBeLessThanOrEqual(took);
    await versionOn(dockerPort, 'v2');
    const [info] = JSON.parse(await docker('inspect', name));
    expect(info.Config.Image).toBe(v2.digest);
    expect(info.Config.Labels).toMatchObject({ 'com.example.team': 'shop' });
    expect(info.Config.Env).toContain(`PORT=${dockerPort}`);
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' } });
    expect(info.Config.StopTimeout).toBe(3);
    // The command and healthcheck came from the image: the new image's, not copied from the old.
    expect(info.Config.Healthcheck.Test.join(' ')).toContain(APP_PATHS.health);
    expect((await app.running(options)).digest).toBe(v2.digest);
    // Nothing left beside it: the old container was removed.
    expect(await labelled(RUN_LABEL, 'com.example.team=shop')).toEqual([info.Id]);
  });

  it('puts the old container back when the new one cannot be created', async () => {
    const name = `dayshift-test-${sandbox.docker.id}-byname`;
    const [before] = JSON.parse(await docker('inspect', name));
    const app = images(
      dockerDriver.open(
        { service: 'app', baseDir: sandbox.dir },
        dockerDriver.options.parse({ container: name }),
      ),
    );
    const absent = `${registry.host}/shop/web@sha256:${'0'.repeat(64)}`;
    const error = await app.apply(absent, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as DayshiftError).code).toBe('SERVICE_ACTION_FAILED');
    expect((error as DayshiftError).message).toContain('runs its old image again');
    const [after] = JSON.parse(await docker('inspect', name));
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
    await versionOn(dockerPort, 'v2');
    expect(await labelled(RUN_LABEL, 'com.example.team=shop')).toEqual([before.Id]);
  });

  it('replaces containers selected by label side by side when they have no port and no network', async () => {
    const role = `dayshift-test-role=${sandbox.docker.id}`;
    const old = await docker(
      'run',
      '-d',
      '--name',
      `dayshift-test-${sandbox.docker.id}-bylabel`,
      '--network',
      'none',
      '--label',
      RUN_LABEL,
      '--label',
      role,
      v1.digest,
    );
    const o = dockerDriver.options.parse({ label: { 'dayshift-test-role': sandbox.docker.id } });
    const app = images(dockerDriver.open({ service: 'worker', baseDir: sandbox.dir }, o));
    expect((await app.running(options)).digest).toBe(v1.digest);
    expect(await app.sideBySide(options)).toMatchObject({ possible: true });

    const began = Date.now();
    const applied = await app.apply(v2.digest, options);
    expect(applied.sideBySide).toBe(true);
    const now = await labelled(role);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    expect(await versionInside(now[0] as string)).toBe('v2');
    expect(await startedBeforeOldStopped(now[0] as string, old, began)).toBe(true);
    const [info] = JSON.parse(await docker('inspect', now[0] as string));
    expect(info.State.Health.Status).toBe('healthy');
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect((await app.running(options)).digest).toBe(v2.digest);
  });
});

describe('pruning a repository', () => {
  it('removes the images no container uses but the digests kept', async () => {
    const unused = await buildApp(registry, 'shop/web', 'v3', { version: 'v3' });
    const kept = await buildApp(registry, 'shop/web', 'v4', { version: 'v4' });
    const repository = `${registry.host}/shop/web`;
    const web = images(composeControl('web'));
    const { removed } = await web.prune(repository, [kept.digest], options);
    expect(removed).toEqual(expect.arrayContaining([unused.ref, unused.digest]));
    const digests = (
      await docker('images', '--digests', '--format', '{{.Repository}}@{{.Digest}}', repository)
    )
      .split('\n')
      .filter(Boolean);
    expect(digests).not.toContain(unused.digest);
    // Kept, and in use (web runs v1, the worker and the docker containers v2).
    expect(digests).toEqual(expect.arrayContaining([kept.digest, v1.digest, v2.digest]));
    expect(removed.some((r) => r.includes(v1.digest.split('@')[1] as string))).toBe(false);
  });
});
