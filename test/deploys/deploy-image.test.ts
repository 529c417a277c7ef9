import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployAlertOrigin } from '../../src/alerts/deploy-origin.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { Deploys } from '../../src/deploys/deploys.js';
import { Releases } from '../../src/deploys/releases.js';
import { Runs } from '../../src/runs/runs.js';
import { openStore, type Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { type CliRun, spawnCli } from '../helpers/cli-process.js';
import {
  APP_PATHS,
  type BuiltApp,
  buildApp,
  cleanUpDeployTest,
  versionOn,
  webService,
} from '../helpers/deploy-images.js';
import { deployRunOf, untilWaiting } from '../helpers/deploy-runs.js';
import { ComposeSandbox, docker, freePort, requireDocker } from '../helpers/docker.js';
import { LocalRegistry } from '../helpers/registry.js';
import { until } from '../helpers/wait.js';

const sandbox = new ComposeSandbox();
let registry: LocalRegistry;
const apps: Record<string, BuiltApp> = {};
let port = 0;
/** `api`: a second service of the app, with no container until its first deploy. */
let apiPort = 0;
let store: Store;
let releases: Releases;
let runs: Runs;
const CANARY = `canary-${Math.random().toString(36).slice(2)}-deploy`;

const stackFile = () => path.join(sandbox.dir, 'dayshift.yaml');

function stack(gates = '[env]'): string {
  return `version: 1
stack: shop
runtime: { compose: { project_name: ${sandbox.project} } }
services:
  web:
    checks:
      health: { http: { url: "http://127.0.0.1:${port}${APP_PATHS.health}" }, expect: ["status == 200"], every: 1s }
  api:
    checks:
      health: { http: { url: "http://127.0.0.1:${apiPort}${APP_PATHS.health}" }, expect: ["status == 200"], every: 1s }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/hook", secret: "\${CANARY}" } }
repositories:
  here: { local: { path: .dayshift/backups } }
backups:
  assets: { source: { files: { paths: [ assets ] } }, repository: here }
smoke:
  post-deploy:
    - { http: { url: "http://127.0.0.1:${port}${APP_PATHS.smoke}" }, expect: ["status == 200"] }
env:
  file: .env
  vars:
    APP_MODE: { equals: production }
deploys:
  api:
    image: ${registry.host}/shop/web
    known_good: [ "${apps.v1?.digest}" ]
    verify: { healthy_within: 30s }
  web:
    image: ${registry.host}/shop/web
    before: ${gates}
    verify: { healthy_within: 30s, smoke: post-deploy }
    rollback: auto
    keep_releases: 3
`;
}

beforeAll(async () => {
  await requireDocker();
  registry = await LocalRegistry.start();
  const versions = [
    { version: 'v1' },
    { version: 'v2' },
    { version: 'v3', health: 500 as const },
    { version: 'v4', smoke: 500 as const },
  ];
  for (const v of versions)
    apps[v.version] = await buildApp(registry, 'shop/web', v.version, { ...v, startPeriodS: 2 });
  port = await freePort();
  apiPort = await freePort();
  sandbox.write({
    'docker-compose.yml': `services:\n${webService(apps.v1?.digest as string, port, sandbox.docker.id)}  api:
    image: ${apps.v1?.digest}
    network_mode: host
    environment: { PORT: "${apiPort}" }
    labels: { dayshift-test-run: "${sandbox.docker.id}" }
`,
    'dayshift.yaml': stack(),
    '.env': `APP_MODE=production\nCANARY=${CANARY}\n`,
  });
  await sandbox.compose('up', '-d', 'web');
  loadConfigOrThrow(stackFile());
  mkdirSync(path.join(sandbox.dir, '.dayshift'), { recursive: true });
  store = await openStore({ sqlitePath: path.join(sandbox.dir, '.dayshift', 'state.db') });
  releases = new Releases(store.db, systemClock);
  runs = new Runs(store.db, systemClock);
}, 300_000);

afterAll(async () => {
  await store?.close();
  await cleanUpDeployTest(sandbox, registry);
}, 120_000);

function dayshift(...args: string[]) {
  return spawnCli(stackFile(), args, { cwd: sandbox.dir });
}

const run = (...args: string[]) => dayshift(...args).done;

/** What the app says its version is, once it says `expected`. */
const version = (expected: string) => versionOn(port, expected);

/** The deploys of the stack file, as another process on this host opens them. */
function deploysHere(): Deploys {
  return new Deploys({
    config: loadConfigOrThrow(stackFile()).config,
    configPath: stackFile(),
    baseDir: sandbox.dir,
    store,
    clock: systemClock,
  });
}

async function runningDigest(): Promise<string | undefined> {
  return (await deploysHere().images('web').running({ timeoutMs: 30_000 })).digest;
}

function runIdOf(out: CliRun): number {
  const m = /run (\d+)/.exec(out.stderr);
  if (!m) throw new Error(`no run id in: ${out.stderr}`);
  return Number(m[1]);
}

describe('dayshift deploy by image', () => {
  it('deploys v1 then v2: each verified, known-good, and listed by digest', async () => {
    const first = await run('deploy', 'web', '--image', 'v1');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const second = await run('deploy', 'web', '--image', 'v2');
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toMatch(/✓ \d+ pin: [^ ]*shop\/web:v2 is /);
    expect(second.stdout).toMatch(/✓ \d+ verify: healthy in .*; smoke suite post-deploy passed/);
    expect(second.stdout).toContain('this deploy causes downtime');
    await version('v2');
    const listed = await run('releases', 'web', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const { releases: rows } = JSON.parse(listed.stdout) as {
      releases: Array<{ target: string; state: string; knownGood: boolean }>;
    };
    const targets = rows.map((r) => r.target);
    expect(targets.slice(0, 2)).toEqual([apps.v2?.digest, apps.v1?.digest]);
    expect(rows.slice(0, 2).every((r) => r.state === 'verified' && r.knownGood)).toBe(true);
    // The override file pins the digest, named in the release.
    const override = readFileSync(path.join(sandbox.dir, '.dayshift', 'deploys', 'web.override.yml'), 'utf8');
    expect(override).toContain(apps.v2?.digest);
    // The startup logs are evidence of the verify step.
    const evidence = await runs.evidence(runIdOf(second));
    expect(evidence.map((e) => e.name)).toContain('startup logs of web');
  });

  it('rolls back automatically when the health endpoint of v3 fails: both attempts in one run, an alert', async () => {
    const out = await run('deploy', 'web', '--image', 'v3');
    expect(out.code).toBe(1);
    await version('v2');
    expect(await runningDigest()).toBe(apps.v2?.digest);
    const record = await runs.get(runIdOf(out));
    const steps = Object.fromEntries((record?.steps ?? []).map((s) => [s.name, s.outcome]));
    expect(steps).toMatchObject({
      apply: 'pass',
      verify: 'fail',
      'on_failure.settle': 'pass',
      'on_failure.rollback': 'pass',
      'on_failure.verify-rollback': 'pass',
    });
    const [newest, failed] = await releases.list('web', { limit: 2 });
    expect(failed).toMatchObject({ target: apps.v3?.digest, state: 'failed', knownGood: false });
    expect(newest).toMatchObject({ target: apps.v2?.digest, action: 'rollback', state: 'verified' });
    const origin = new DeployAlertOrigin(loadConfigOrThrow(stackFile()).config, releases);
    const alerts = await origin.desired(Date.now());
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.summary).toContain(apps.v3?.digest as string);
    expect(alerts[0]?.summary).toContain('verify');
    expect(alerts[0]?.summary).toContain(`rolled back to ${apps.v2?.digest}`);
  });

  it('rolls back when only the smoke suite fails (v4 is healthy)', async () => {
    const out = await run('deploy', 'web', '--image', 'v4');
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/smoke suite post-deploy failed/);
    await version('v2');
    const [newest, failed] = await releases.list('web', { limit: 2 });
    expect(failed).toMatchObject({ target: apps.v4?.digest, state: 'failed' });
    expect(newest).toMatchObject({ target: apps.v2?.digest, state: 'verified' });
  });

  it('deploys the new digest of a moved tag, and rolls back to the old digest the tag no longer names', async () => {
    const moved = await buildApp(registry, 'shop/web', 'v2', { version: 'v5', startPeriodS: 2 });
    expect(moved.digest).not.toBe(apps.v2?.digest);
    const out = await run('deploy', 'web', '--image', 'v2');
    expect(out.code, out.stderr + out.stdout).toBe(0);
    await version('v5');
    expect((await releases.list('web', { limit: 1 }))[0]).toMatchObject({
      target: moved.digest,
      requested: `${registry.host}/shop/web:v2`,
    });
    const back = await run('rollback', 'web');
    expect(back.code, back.stderr + back.stdout).toBe(0);
    await version('v2');
    expect(await runningDigest()).toBe(apps.v2?.digest);
  });

  it('stops at a failed gate with nothing changed: the env contract broken', async () => {
    writeFileSync(path.join(sandbox.dir, '.env'), `APP_MODE=debug\nCANARY=${CANARY}\n`);
    try {
      const out = await run('deploy', 'web', '--image', 'v1');
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/✗ \d+ gate-env: the environment contract is broken: APP_MODE/);
      expect(out.stdout).toContain('APP_MODE');
      expect(await runningDigest()).toBe(apps.v2?.digest);
      const record = await runs.get(runIdOf(out));
      expect(record?.steps.find((s) => s.name === 'apply')).toBeUndefined();
      expect(record?.steps.find((s) => s.name === 'on_failure.rollback')?.outcome).toBe('skipped');
    } finally {
      writeFileSync(path.join(sandbox.dir, '.env'), `APP_MODE=production\nCANARY=${CANARY}\n`);
    }
  });

  it('stops at a backup gate whose backup fails, and takes or reuses a fresh one once it can', async () => {
    writeFileSync(stackFile(), stack('[env, { backup: assets, max_age: 1h }]'));
    try {
      // No assets folder: the backup fails, so the gate does, and nothing changes.
      const failed = await run('deploy', 'web', '--image', 'v1');
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/✗ \d+ gate-backup: /);
      expect(await runningDigest()).toBe(apps.v2?.digest);
      // With the folder there, no snapshot younger than an hour: the gate takes one now.
      mkdirSync(path.join(sandbox.dir, 'assets'), { recursive: true });
      writeFileSync(path.join(sandbox.dir, 'assets', 'logo.txt'), 'logo\n');
      const taken = await run('deploy', 'web', '--image', 'v1');
      expect(taken.code, taken.stderr + taken.stdout).toBe(0);
      expect(taken.stdout).toMatch(/✓ \d+ gate-backup: snapshot \S+ of assets taken/);
      // The next deploy within the hour is content with it.
      const reused = await run('deploy', 'web', '--image', 'v1');
      expect(reused.code, reused.stderr + reused.stdout).toBe(0);
      expect(reused.stdout).toMatch(/✓ \d+ gate-backup: snapshot \S+ of assets is .* old, within max_age 1h/);
      await version('v1');
    } finally {
      writeFileSync(stackFile(), stack());
    }
  });

  it('settles the release of a deploy cancelled mid-verify as failed, with no rollback, and rolls back by hand', async () => {
    const deploying = dayshift('deploy', 'web', '--image', 'v3');
    const runId = await deployRunOf(runs, 'web', 'the deploy to start');
    await until(
      async () => ((await releases.ofRun(runId)).some((r) => r.appliedAt !== null) ? true : undefined),
      'the deploy to apply v3',
      60_000,
      50,
    );
    const cancelled = await run('run', 'cancel', String(runId), '--reason', 'wrong image');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect((await deploying.done).code).toBe(1);
    const [release] = await releases.ofRun(runId);
    expect(release).toMatchObject({ target: apps.v3?.digest, state: 'failed' });
    expect(JSON.stringify(release?.detail)).toContain('wrong image');
    // No rollback ran: the cancel left the service as it found it, on v3.
    expect((await runs.get(runId))?.steps.some((s) => s.name.startsWith('on_failure.'))).toBe(false);
    expect(await runningDigest()).toBe(apps.v3?.digest);
    const back = await run('rollback', 'web');
    expect(back.code, back.stderr + back.stdout).toBe(0);
    await version('v1');
  });

  it('refuses a second deploy of the service while one is going, naming its run', async () => {
    // The first waits at an approval gate, so the second surely finds it going.
    writeFileSync(stackFile(), stack('[env, { approve: "ship it?" }]'));
    try {
      const first = dayshift('deploy', 'web', '--image', 'v1');
      const runId = await deployRunOf(runs, 'web', 'the first deploy to start');
      await untilWaiting(runs, runId, 'the first deploy to wait for its approval');
      const second = await run('deploy', 'web', '--image', 'v1');
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`a deploy of web is already going: run ${runId} (waiting)`);
      const approved = await run('approve', String(runId));
      expect(approved.code, approved.stderr).toBe(0);
      expect((await first.done).code).toBe(0);
    } finally {
      writeFileSync(stackFile(), stack());
    }
    await version('v1');
  });

  it('keeps only the images of the last known-good releases: the failed ones are removed', async () => {
    const present = (ref: string) =>
      docker('image', 'inspect', '--format', '{{.Id}}', ref).then(
        () => true,
        () => false,
      );
    expect(await present(apps.v2?.digest as string)).toBe(true);
    expect(await present(apps.v1?.digest as string)).toBe(true);
    expect(await present(apps.v3?.digest as string)).toBe(false);
    expect(await present(apps.v4?.digest as string)).toBe(false);
  });

  it('leaves the service on a recorded release when the deploying process is killed mid-deploy', async () => {
    // v3 never becomes healthy: its verify lasts seconds, so the kill surely lands after apply, before the end.
    const killed = dayshift('deploy', 'web', '--image', 'v3');
    const runId = await deployRunOf(runs, 'web', 'the deploy to start');
    await until(
      async () => ((await releases.ofRun(runId)).some((r) => r.appliedAt !== null) ? true : undefined),
      'the deploy to apply',
      60_000,
      50,
    );
    killed.child.kill('SIGKILL');
    await killed.done;
    // What another process on this host does: the sweep of a node, or the next deploy of the service.
    expect(await deploysHere().settleOrphans('web')).toEqual([runId]);
    const record = await runs.get(runId);
    expect(record?.status).toBe('failed');
    expect(JSON.stringify(record?.summary)).toContain('interrupted');
    // The applied, unverified v3 was undone: the release before it is live again, and runs.
    const live = await releases.live('web');
    expect(live).toMatchObject({ action: 'rollback', state: 'verified', target: apps.v1?.digest });
    expect(await runningDigest()).toBe(live?.target);
    await version('v1');
  });

  it('rolls a first deploy that fails back to a digest listed under known_good:, having no release to go to', async () => {
    const out = await run('deploy', 'api', '--image', 'v3');
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/✓ \d+ on_failure\.rollback: rolled back from \S+ to release \d+/);
    await versionOn(apiPort, 'v1');
    const [back, declared, failed] = await releases.list('api', { limit: 3 });
    expect(failed).toMatchObject({ target: apps.v3?.digest, state: 'failed' });
    expect(declared).toMatchObject({
      target: apps.v1?.digest,
      requested: 'known_good: in the stack file',
      knownGood: true,
      appliedAt: null,
    });
    expect(back).toMatchObject({ target: apps.v1?.digest, action: 'rollback', state: 'verified' });
  });

  it('never shows the stack file secrets in what it recorded', async () => {
    const all = await runs.list({ kinds: ['deploy'], limit: 100 });
    for (const r of all) {
      const record = await runs.get(r.id);
      expect(JSON.stringify(record)).not.toContain(CANARY);
    }
  });
});
