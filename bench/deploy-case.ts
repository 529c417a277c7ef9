/**
 * What `npm run bench -- deploy` measures, on one Compose service whose versions are real registry
 * images (test/helpers/deploy-images.ts, test/helpers/registry.ts): v1 and v2 are good, v3's health
 * endpoint answers 500. The service runs on the host network, so a deploy recreates it in place.
 *
 * Deploy rounds: `dayshift deploy web --image <tag>` (the built CLI; it returns once the service is
 * healthy and its smoke suite passed) against the same change by hand: the compose file's image
 * edited to the new digest, `docker-compose up -d web`, the health endpoint polled every POLL_MS until
 * 200, then the smoke URL once. A third side does the same and also waits, before the health endpoint,
 * until `docker ps` says the container's own healthcheck passed, as Dayshift's verify does: the image
 * probes every 1 s, so that wait is about 1 s the first baseline does not have. Every deploy, any
 * side's, goes to the version not running, so each changes the image; which side goes first rotates
 * by round. After each, untimed, the app must answer the version deployed.
 *
 * Rollback trials: `dayshift deploy web --image v3` with `rollback: auto`; from the run's steps, the
 * time from the end of the failed `verify` to the end of `on_failure.verify-rollback` (healthy and
 * smoke-tested again on the old digest), beside the `recoveredInMs` settle-rollback records.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Release } from '../src/deploys/release.js';
import { Releases } from '../src/deploys/releases.js';
import type { RunRecord } from '../src/runs/records.js';
import { Runs } from '../src/runs/runs.js';
import { openStore } from '../src/store/index.js';
import { systemClock } from '../src/util/clock.js';
import { CLI } from '../test/helpers/built-cli.js';
import { APP_PATHS, type BuiltApp, buildApp, removeApps } from '../test/helpers/deploy-images.js';
import { ComposeSandbox, docker, freePort, requireDocker } from '../test/helpers/docker.js';
import { LocalRegistry } from '../test/helpers/registry.js';
import { until } from '../test/helpers/wait.js';
import { benchEnv, rotate, timed, undoOnInterrupt } from './operate-timing.js';

const ROUNDS = Number(process.env.BENCH_DEPLOYS ?? 6);
const TRIALS = Number(process.env.BENCH_ROLLBACKS ?? 4);
/** The images' healthcheck start period, in seconds: the rollback goal is this plus 5 s. */
export const START_PERIOD_S = Number(process.env.BENCH_START_PERIOD_S ?? 5);
const POLL_MS = 50;
const run = promisify(execFile);

/** One Dayshift deploy: the command's wall time, and its run as the store recorded it. */
export interface DeployRound {
  ms: number;
  run: RunRecord;
  container: ContainerTimes;
}

/** When the Engine says the new container started, and when its healthcheck first passed (epoch ms). */
export interface ContainerTimes {
  startedAt: number;
  firstHealthyAt: number | undefined;
}

/** One failed deploy rolled back by itself. */
export interface RollbackTrial {
  /** From the end of the failed `verify` step to the end of `on_failure.verify-rollback`. */
  recoveryMs: number;
  /** What settle-rollback recorded: from the failure to the release settled as live again. */
  recoveredInMs: number | undefined;
  /** How long the failed verify took to say so (the start period, then the healthcheck's retries). */
  failedVerifyMs: number;
  run: RunRecord;
}

/** One deploy by hand: to the smoke URL's answer, and `docker-compose up -d` alone. */
export interface ComposeRound {
  ms: number;
  upMs: number;
}

export interface DeployResult {
  rounds: number;
  dayshift: DeployRound[];
  compose: ComposeRound[];
  /** The same by hand, also waiting for the container's own healthcheck, as Dayshift's verify does. */
  composeHealthy: ComposeRound[];
  /** `dayshift releases web --json`: a command that opens the stack file and the store, and reads. */
  cliStart: number[];
  trials: RollbackTrial[];
  startPeriodS: number;
}

const composeFile = (image: string, port: number, label: string) => `services:
  web:
    image: ${image}
    network_mode: host
    environment: { PORT: "${port}" }
    labels: { dayshift-bench-run: "${label}" }
`;

function stackFile(project: string, port: number, registry: string): string {
  const url = (p: string) => `"http://127.0.0.1:${port}${p}"`;
  return `version: 1
stack: bench
runtime: { compose: { project_name: ${project} } }
services:
  web:
    checks:
      health: { http: { url: ${url(APP_PATHS.health)} }, expect: ["status == 200"], every: 1s }
smoke:
  post-deploy:
    - { http: { url: ${url(APP_PATHS.smoke)} }, expect: ["status == 200"] }
deploys:
  web:
    image: ${registry}/bench/web
    verify: { healthy_within: 60s, smoke: post-deploy }
    rollback: auto
`;
}

async function status(url: string): Promise<number | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  await response?.arrayBuffer().catch(() => undefined);
  return response?.status;
}

export async function deployCase(): Promise<DeployResult> {
  await requireDocker();
  const sandbox = new ComposeSandbox();
  let registry: LocalRegistry | undefined;
  const cleanup = async () => {
    await sandbox.cleanup();
    await removeApps(registry);
    await registry?.stop();
  };
  const forget = undoOnInterrupt(cleanup);
  try {
    registry = await LocalRegistry.start();
    const apps: Record<string, BuiltApp> = {};
    for (const v of [{ version: 'v1' }, { version: 'v2' }, { version: 'v3', health: 500 as const }])
      apps[v.version] = await buildApp(registry, 'bench/web', v.version, {
        ...v,
        startPeriodS: START_PERIOD_S,
      });
    const port = await freePort();
    const digest = (v: string) => apps[v]?.digest as string;
    const writeCompose = (v: string) =>
      sandbox.write({ 'docker-compose.yml': composeFile(digest(v), port, sandbox.docker.id) });
    writeCompose('v1');
    const stack = path.join(sandbox.dir, 'dayshift.yaml');
    sandbox.write({ 'dayshift.yaml': stackFile(sandbox.project, port, registry.host) });
    mkdirSync(path.join(sandbox.dir, '.dayshift'), { recursive: true });
    await sandbox.compose('up', '-d');
    const env = benchEnv();
    const base = `http://127.0.0.1:${port}`;

    let running = 'v1';
    const answers = async (v: string) => {
      await until(
        async () => {
          const r = await fetch(`${base}${APP_PATHS.version}`).catch(() => undefined);
          return r?.ok && (await r.text()).trim() === v ? true : undefined;
        },
        `the app to answer ${v}`,
        30_000,
        POLL_MS,
      );
      running = v;
    };
    await answers('v1');
    const next = () => (running === 'v1' ? 'v2' : 'v1');

    const dayshiftDeploy = async (): Promise<{ ms: number; container: ContainerTimes }> => {
      const v = next();
      const ms = await timed(process.execPath, [CLI, '--config', stack, 'deploy', 'web', '--image', v], {
        cwd: sandbox.dir,
        env,
      });
      const container = await containerTimes(sandbox.docker.id);
      await answers(v);
      return { ms, container };
    };
    /** By hand; with `healthcheck`, also until `docker ps` says the container's healthcheck passed. */
    const composeDeploy = async (healthcheck: boolean): Promise<ComposeRound> => {
      const v = next();
      writeCompose(v);
      const started = performance.now();
      const upMs = await timed('docker-compose', ['-p', sandbox.project, 'up', '-d', 'web'], {
        cwd: sandbox.dir,
        env,
      });
      if (healthcheck)
        await until(
          async () =>
            (
              await docker(
                'ps',
                '--filter',
                `label=dayshift-bench-run=${sandbox.docker.id}`,
                '--format',
                '{{.Status}}',
              )
            ).includes('(healthy)')
              ? true
              : undefined,
          'the container to be healthy',
          60_000,
          POLL_MS,
        );
      await until(
        async () => ((await status(`${base}${APP_PATHS.health}`)) === 200 ? true : undefined),
        'the health endpoint to answer 200',
        60_000,
        POLL_MS,
      );
      const smoke = await status(`${base}${APP_PATHS.smoke}`);
      const ms = performance.now() - started;
      if (smoke !== 200) throw new Error(`the smoke URL answered ${smoke ?? 'nothing'} after the deploy`);
      await answers(v);
      return { ms, upMs };
    };

    // One of each first, untimed: both digests pulled, Compose's and node's files in the page cache.
    await dayshiftDeploy();
    await composeDeploy(false);
    const [ds = [], by = [], byHealthy = []] = await rotate<{ ms: number }>(ROUNDS, [
      dayshiftDeploy,
      () => composeDeploy(false),
      () => composeDeploy(true),
    ]);

    // What any `dayshift` command costs before and after its work: node, the stack file, the store.
    const cliStart: number[] = [];
    for (let i = 0; i < 3; i++)
      cliStart.push(
        await timed(process.execPath, [CLI, '--config', stack, 'releases', 'web', '--json'], {
          cwd: sandbox.dir,
          env,
        }),
      );

    // Dayshift's live release becomes the version running, so a rollback goes back to it.
    const good = next();
    await timed(process.execPath, [CLI, '--config', stack, 'deploy', 'web', '--image', good], {
      cwd: sandbox.dir,
      env,
    });
    await answers(good);
    const failedRuns: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const out = await run(process.execPath, [CLI, '--config', stack, 'deploy', 'web', '--image', 'v3'], {
        cwd: sandbox.dir,
        env,
      }).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      if (out?.code !== 1)
        throw new Error(`the deploy of v3 should have failed and rolled back: exit ${out?.code ?? 0}`);
      const id = /run (\d+)/.exec(out.stderr ?? '')?.[1];
      if (!id) throw new Error(`no run id in: ${out.stderr}`);
      failedRuns.push(Number(id));
      await answers(good);
    }

    const store = await openStore({ sqlitePath: path.join(sandbox.dir, '.dayshift', 'state.db') });
    try {
      const runs = new Runs(store.db, systemClock);
      const releases = new Releases(store.db, systemClock);
      const deploys = (await runs.list({ kinds: ['deploy'], limit: 1_000 }))
        .filter((r) => r.status === 'succeeded')
        .sort((a, b) => a.id - b.id);
      // The timed rounds come after the one untimed Dayshift deploy, before the rollback trials' own.
      const timedRuns = deploys.slice(1, 1 + ROUNDS);
      const dayshift = await Promise.all(
        timedRuns.map(async (r, i) => ({
          ...(ds[i] as { ms: number; container: ContainerTimes }),
          run: (await runs.get(r.id)) as RunRecord,
        })),
      );
      const trials = await Promise.all(failedRuns.map((id) => trialOf(id, runs, releases)));
      return {
        rounds: ROUNDS,
        dayshift,
        compose: by as ComposeRound[],
        composeHealthy: byHealthy as ComposeRound[],
        cliStart,
        trials,
        startPeriodS: START_PERIOD_S,
      };
    } finally {
      await store.close();
    }
  } finally {
    forget();
    await cleanup();
  }
}

/** Reads the new container's start and its healthcheck's first pass from `docker inspect`. */
async function containerTimes(label: string): Promise<ContainerTimes> {
  const [id] = (await docker('ps', '-q', '--filter', `label=dayshift-bench-run=${label}`)).split('\n');
  if (!id) throw new Error('the deploy left no running container');
  const state = JSON.parse(await docker('inspect', '-f', '{{json .State}}', id)) as {
    StartedAt: string;
    Health?: { Log?: Array<{ End: string; ExitCode: number }> };
  };
  // The Engine writes nanoseconds; Date.parse wants at most milliseconds.
  const time = (at: string) => Date.parse(at.replace(/(\.\d{3})\d*/, '$1'));
  const passed = (state.Health?.Log ?? []).filter((probe) => probe.ExitCode === 0).map((p) => time(p.End));
  return {
    startedAt: time(state.StartedAt),
    firstHealthyAt: passed.length > 0 ? Math.min(...passed) : undefined,
  };
}

/** The end of a step, from its record. */
export function stepEnd(record: RunRecord, name: string): number {
  const step = record.steps.find((s) => s.name === name);
  if (!step) throw new Error(`run ${record.id} has no step ${name}`);
  return step.startedAt + step.durationMs;
}

async function trialOf(id: number, runs: Runs, releases: Releases): Promise<RollbackTrial> {
  const record = await runs.get(id);
  if (!record) throw new Error(`no run ${id}`);
  const outcomes = Object.fromEntries(record.steps.map((s) => [s.name, s.outcome]));
  if (outcomes.verify !== 'fail' || outcomes['on_failure.verify-rollback'] !== 'pass')
    throw new Error(`run ${id} did not fail verify and roll back: ${JSON.stringify(outcomes)}`);
  const back = (await releases.ofRun(id)).find((r: Release) => r.action === 'rollback');
  const recovered = back?.detail?.recoveredInMs;
  const verify = record.steps.find((s) => s.name === 'verify');
  return {
    recoveryMs: stepEnd(record, 'on_failure.verify-rollback') - stepEnd(record, 'verify'),
    recoveredInMs: typeof recovered === 'number' ? recovered : undefined,
    failedVerifyMs: verify?.durationMs ?? Number.NaN,
    run: record,
  };
}
