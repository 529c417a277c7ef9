/**
 * The compose driver on a real Compose project, one for the whole file (Docker is slow on vfs): busybox
 * services on the host network, bound to 127.0.0.1.
 *
 * - `web` serves /health and /version with `busybox httpd`, has a wget healthcheck, and prints a
 *   secret (the canary, a secret of the stack file) to its log;
 * - `worker` replicas each take the first free port of a range, so scaled ones answer on distinct ports;
 * - `flaky` fails its first start and is restarted by its `on-failure` policy: Docker's restart count;
 * - `extra` is in a profile, so `up` without it leaves it out.
 *
 * Each traps SIGTERM (a shell as a container's first process ignores it otherwise), so stops are quick.
 * The canary never appears in what the driver gives back: env, logs, results or errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import { CLI } from '../helpers/built-cli.js';
import { ComposeSandbox, docker, freePort, freePortRange } from '../helpers/docker.js';
import { until } from '../helpers/wait.js';

const CANARY = `canary-${Math.random().toString(36).slice(2)}-compose`;
const WORKER_PORTS = 10;
const sandbox = new ComposeSandbox();
const said: string[] = [];
let webPort = 0;
let workerBase = 0;

function composeFile(image: string): string {
  return `services:
  web:
    build: ./web
    network_mode: host
    command: ["sh", "-c", "trap 'exit 0' TERM; echo \\"web starting on $$WEB_PORT\\"; echo \\"token is $$API_TOKEN\\"; httpd -f -p 127.0.0.1:$$WEB_PORT -h /www & wait"]
    environment:
      WEB_PORT: "\${WEB_PORT}"
      API_TOKEN: "\${CANARY}"
      UPSTREAM: "\${CANARY}"
      GREETING: "\${GREETING}"
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:\${WEB_PORT}/health"]
      interval: 1s
      timeout: 2s
      retries: 2
  worker:
    image: ${image}
    network_mode: host
    command: ["sh", "-c", "trap 'exit 0' TERM; for p in $$(seq $$PORT_BASE $$(($$PORT_BASE + ${WORKER_PORTS - 1}))); do httpd -f -p 127.0.0.1:$$p -h /www & wait $$!; done; exit 1"]
    environment:
      PORT_BASE: "\${WORKER_BASE}"
  flaky:
    image: ${image}
    network_mode: host
    restart: on-failure
    command: ["sh", "-c", "trap 'exit 0' TERM; [ -f /once ] || { touch /once; echo failing once; exit 3; }; echo up again; sleep 3600 & wait"]
  extra:
    image: ${image}
    network_mode: host
    profiles: [extra]
    command: ["sh", "-c", "trap 'exit 0' TERM; echo extra; sleep 3600 & wait"]
`;
}

/** Compose and Dayshift both read the project's .env: the ports, and the canary. */
function envFile(greeting: string): string {
  return `WEB_PORT=${webPort}\nWORKER_BASE=${workerBase}\nCANARY=${CANARY}\nGREETING=${greeting}\n`;
}

const stackFile = () => path.join(sandbox.dir, 'dayshift.yaml');

beforeAll(async () => {
  webPort = await freePort();
  workerBase = await freePortRange(WORKER_PORTS);
  await sandbox.create({});
  sandbox.write({
    'docker-compose.yml': composeFile(sandbox.docker.image),
    'web/Dockerfile': `FROM ${sandbox.docker.image}\nRUN echo v1 > /www/version\n`,
    '.env': envFile('hello'),
    'dayshift.yaml': [
      'version: 1',
      `runtime: { compose: { project_name: ${sandbox.project} } }`,
      'services:',
      '  web: {}',
      '  worker: {}',
      '  flaky: {}',
      '  ghost: {}',
      `  extra: { driver: { compose: { project_name: ${sandbox.project}, profiles: [extra] } } }`,
      // The canary is a secret Dayshift knows: a notifier's secret, from the same .env.
      'notifiers:',
      '  ops: { webhook: { url: "http://127.0.0.1:9/hook", secret: "${CANARY}" } }',
      '',
    ].join('\n'),
  });
  await sandbox.compose('up', '-d');
}, 300_000);
afterAll(() => sandbox.cleanup(), 120_000);

function handle(service: string): ServiceHandle {
  return new ServiceHandle(loadConfigOrThrow(stackFile()).config, sandbox.dir, service);
}

/** Acts, and keeps what the driver said, so the last test can look for the canary in all of it. */
async function act(service: string, action: Parameters<ServiceHandle['act']>[0], request = {}) {
  const outcome = await handle(service).act(action, { timeoutMs: 120_000, ...request });
  said.push(JSON.stringify(outcome));
  return outcome;
}

async function status(service: string) {
  const outcome = await act(service, 'status');
  if (outcome.action !== 'status') throw new Error('not a status');
  return outcome.status;
}

async function inspect(id: string): Promise<{ Id: string; StartedAt: string; RestartCount: number }> {
  const [info] = JSON.parse(await docker('inspect', id));
  return { Id: info.Id, StartedAt: info.State.StartedAt, RestartCount: info.RestartCount };
}

async function get(port: number, file: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/${file}`);
    return response.ok ? (await response.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

const healthy = (service: string) =>
  until(
    async () => {
      const s = await status(service);
      return s.health === 'healthy' ? s : undefined;
    },
    `${service} to be healthy`,
    60_000,
    250,
  );

async function failure(promise: Promise<unknown>): Promise<DayshiftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  said.push(JSON.stringify({ message: (error as Error).message, hint: (error as DayshiftError).hint }));
  return error as DayshiftError;
}

describe('compose driver on a real Compose project', () => {
  it('reads status with the health from the healthcheck, the replicas and the restart count', async () => {
    const s = await healthy('web');
    expect(s.state).toBe('running');
    expect(s.replicas).toBe(1);
    expect(s.restarts).toBe(0);
    expect(s.pid).toBeGreaterThan(1);
    expect(s.detail).toMatch(/web.1 \([0-9a-f]{12}\) running since .*, healthy/);
    expect(await get(webPort, 'health')).toBe('ok');
    // A service without a healthcheck has no health, not a made-up one.
    expect((await status('worker')).health).toBeUndefined();
  });

  it("counts the restarts of Docker's restart policy", async () => {
    // flaky exits 3 on its first start; `restart: on-failure` starts it again, once.
    const s = await until(
      async () => {
        const now = await status('flaky');
        return now.state === 'running' && now.restarts === 1 ? now : undefined;
      },
      'flaky to be running after one restart by its policy',
      60_000,
      250,
    );
    expect(s.replicas).toBe(1);
  });

  it('restarts a service: the same container started again, answering and healthy again', async () => {
    const [id] = await sandbox.ids('web');
    const before = await inspect(id as string);
    const outcome = await act('web', 'restart');
    // Through the Engine, as Compose does it, with the container's own stop signal and grace period.
    expect(outcome.action === 'restart' && outcome.result.detail).toMatch(/^restart: \S+web.1 restarted$/);
    const after = await inspect(id as string);
    expect(after.Id).toBe(before.Id);
    expect(after.StartedAt).not.toBe(before.StartedAt);
    await healthy('web');
    expect(await get(webPort, 'health')).toBe('ok');
    // A restart asked for is not one of the policy's: the count stays.
    expect(after.RestartCount).toBe(before.RestartCount);
  });

  let startedAt = 0;
  it('stops a service, and starts it again', async () => {
    const stop = await act('web', 'stop');
    expect(stop.action === 'stop' && stop.result.detail).toMatch(/^stop: \S+web.1 stopped$/);
    const stopped = await status('web');
    expect(stopped.state).toBe('stopped');
    expect(stopped.replicas).toBe(0);
    expect(stopped.detail).toMatch(/exited, exit code \d+/);
    expect(await get(webPort, 'health')).toBeUndefined();

    startedAt = Date.now();
    await act('web', 'start');
    expect((await status('web')).state).toBe('running');
    await until(() => get(webPort, 'health'), 'web to answer after its start');
    await healthy('web');
  });

  it('gives the last lines of its logs, and only those of the last while with since', async () => {
    const all = await act('web', 'logs', { tail: 100 });
    if (all.action !== 'logs') throw new Error('not logs');
    // Three starts so far: up, restart, start; each line has its container and its time.
    expect(all.logs.text.match(/web.1 +\| \S+Z web starting on \d+/g)).toHaveLength(3);

    const last = await act('web', 'logs', { tail: 1 });
    expect(last.action === 'logs' && last.logs.text.split('\n')).toHaveLength(1);

    const recent = await act('web', 'logs', { tail: 100, sinceMs: Date.now() - startedAt + 200 });
    if (recent.action !== 'logs') throw new Error('not logs');
    expect(recent.logs.text.match(/web starting on/g)).toHaveLength(1);
    // The service printed the canary; a secret of the stack file is scrubbed from what it logged.
    expect(recent.logs.text).toContain('token is [redacted]');
  });

  it("gives the service's environment with secret values masked", async () => {
    const outcome = await act('web', 'env');
    if (outcome.action !== 'env') throw new Error('not env');
    const env = Object.fromEntries(outcome.env.map((v) => [v.name, v]));
    expect(env.WEB_PORT).toEqual({ name: 'WEB_PORT', value: String(webPort), masked: false });
    expect(env.GREETING?.value).toBe('hello');
    // Masked by its name, and by its value: UPSTREAM holds a secret the stack file knows.
    expect(env.API_TOKEN).toEqual({ name: 'API_TOKEN', value: '[masked]', masked: true });
    expect(env.UPSTREAM).toEqual({ name: 'UPSTREAM', value: '[masked]', masked: true });
  });

  it('scales a worker from 1 to 3, each replica answering on its own port, and back to 1', async () => {
    const answering = async () => {
      const ports: number[] = [];
      for (let p = workerBase; p < workerBase + WORKER_PORTS; p++) if (await get(p, 'health')) ports.push(p);
      return ports;
    };
    expect((await status('worker')).replicas).toBe(1);
    await until(async () => ((await answering()).length === 1 ? true : undefined), 'one worker to answer');

    await act('worker', 'scale', { replicas: 3 });
    const scaled = await status('worker');
    expect(scaled.replicas).toBe(3);
    expect(scaled.detail).toMatch(/^3 of 3 containers running/);
    const ports = await until(
      async () => {
        const now = await answering();
        return now.length === 3 ? now : undefined;
      },
      'three workers to answer on three ports',
      30_000,
      100,
    );
    expect(new Set(ports).size).toBe(3);

    await act('worker', 'scale', { replicas: 1 });
    expect((await status('worker')).replicas).toBe(1);
  });

  it('rebuilds after a change to its Dockerfile: the new container serves the new content', async () => {
    expect(await get(webPort, 'version')).toBe('v1');
    const [before] = await sandbox.ids('web');
    sandbox.write({ 'web/Dockerfile': `FROM ${sandbox.docker.image}\nRUN echo v2 > /www/version\n` });
    // As a deploy leaves it: the image pinned by a digest, which a build from source replaces.
    const pinning = path.join('.dayshift', 'deploys', 'web.override.yml');
    sandbox.write({
      [pinning]: `services:\n  "web":\n    image: "example.invalid/web@sha256:${'0'.repeat(64)}"\n`,
    });
    const outcome = await act('web', 'rebuild');
    expect(outcome.action === 'rebuild' && outcome.result.detail).toMatch(
      /^the image a deploy pinned \(\.dayshift\/deploys\/web\.override\.yml\) no longer applies: it runs what was built; .*build web`? then `.*up -d web` succeeded$/,
    );
    expect(existsSync(path.join(sandbox.dir, pinning))).toBe(false);
    const [after] = await sandbox.ids('web');
    expect(after).not.toBe(before);
    await until(async () => ((await get(webPort, 'version')) === 'v2' ? true : undefined), 'web to serve v2');
    await healthy('web');
  });

  it('redeploys with the changed configuration: a new container with the new environment', async () => {
    const [before] = await sandbox.ids('web');
    writeFileSync(path.join(sandbox.dir, '.env'), envFile('bonjour'));
    await act('web', 'redeploy');
    const [after] = await sandbox.ids('web');
    expect(after).not.toBe(before);
    const outcome = await act('web', 'env');
    expect(outcome.action === 'env' && outcome.env.find((v) => v.name === 'GREETING')?.value).toBe('bonjour');
    await healthy('web');
  });

  it('says which services the project has when it lacks the one asked for', async () => {
    const error = await failure(handle('ghost').act('status'));
    expect(error.code).toBe('SERVICE_NOT_FOUND');
    expect(error.message).toContain('has no service `ghost`');
    expect(error.hint).toContain('its services: web, worker, flaky');
    expect(error.hint).toContain('`service:`');
  });

  it('enables the profiles it is given: a service only in a profile is created by its redeploy', async () => {
    const none = await status('extra');
    expect(none).toMatchObject({ state: 'stopped', replicas: 0 });
    expect(none.detail).toBe(
      'Compose service `extra` has no container: `dayshift svc redeploy extra` creates it',
    );
    await act('extra', 'redeploy');
    expect(await status('extra')).toMatchObject({ state: 'running', replicas: 1 });
  });

  it('stops the Engine call or Compose when the action is aborted or its time is up', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(handle('web').act('logs', { signal: controller.signal }));
    expect(aborted.code).toBe('SERVICE_ACTION_FAILED');
    expect(aborted.message).toBe('logs of service `web` was stopped before it finished');
    // An Engine that takes the request and never answers: the call ends at the action's timeout.
    const held: net.Socket[] = [];
    const silent = net.createServer((connection) => held.push(connection));
    const socket = path.join(sandbox.dir, 'silent.sock');
    await new Promise<void>((resolve) => silent.listen(socket, resolve));
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      const late = await failure(handle('web').act('logs', { timeoutMs: 200 }));
      expect(late.message).toBe('logs of service `web` was stopped at its timeout (200 ms)');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      silent.close();
      for (const connection of held) connection.destroy();
    }
    // A Compose command is stopped the same way: it takes far longer than a millisecond just to start.
    const slow = await failure(handle('web').act('redeploy', { timeoutMs: 1 }));
    expect(slow.message).toMatch(
      /^redeploy of service `web` failed: `docker.compose up -d --remove-orphans web` was stopped at its timeout$/,
    );
  });

  it('never gives the canary back: not in env, logs, results or errors', () => {
    expect(said.length).toBeGreaterThan(10);
    for (const text of said) expect(text).not.toContain(CANARY);
  });
});

/** The built `dayshift` program against the same project, as an operator runs it. */
function svc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI, 'svc', ...args, '--config', stackFile()], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  for (const text of [result.stdout, result.stderr]) expect(text).not.toContain(CANARY);
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('dayshift svc on a compose service', () => {
  it('shows its status and restarts it', async () => {
    const table = svc(['status', 'web']);
    expect(table.err).toBe('');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/web\s+running\s+\d+\s+(healthy|starting)\s+0\s+/);

    const [id] = await sandbox.ids('web');
    const before = await inspect(id as string);
    const restart = svc(['restart', 'web']);
    expect(restart.code).toBe(0);
    expect(restart.out).toMatch(/web: restart: \S+web.1 restarted/);
    expect((await inspect(id as string)).StartedAt).not.toBe(before.StartedAt);

    const json = svc(['status', 'web', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({
      service: 'web',
      driver: 'compose',
      status: { state: 'running', replicas: 1 },
    });
  });

  it('exits 3 with what to do when the Docker Engine does not answer', () => {
    const result = svc(['status', 'web'], {
      DOCKER_HOST: `unix://${path.join(sandbox.dir, 'no-docker.sock')}`,
    });
    expect(result.code).toBe(3);
    expect(result.err).toMatch(/the Docker Engine at unix:\/\/\S+no-docker.sock does not answer/);
    expect(result.err).toContain('start the Docker daemon');
  });

  it('exits 1 saying Compose is not installed when neither program is on the PATH', () => {
    // A redeploy needs Compose itself (a restart goes to the Engine and would not).
    const result = svc(['redeploy', 'web'], { PATH: path.join(sandbox.dir, 'no-bin') });
    expect(result.code).toBe(1);
    expect(result.err).toContain('Docker Compose is not installed');
    expect(result.err).toContain('apt-get install docker-compose');
  });
});
