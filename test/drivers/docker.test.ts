/**
 * The docker driver on real containers through the Engine API: one picked by its name (given, or the
 * service's own), two picked by their labels; status with health and restarts, restart, stop, start,
 * logs, env with secrets masked; what a bare container cannot do is refused; a missing container, an
 * Engine that does not answer and an action past its timeout are errors that say so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import type { ServiceAction } from '../../src/drivers/types.js';
import { DayshiftError } from '../../src/errors.js';
import { type ActionRequest, ServiceHandle } from '../../src/services/service-control.js';
import { DockerSandbox, docker, freePort, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/wait.js';

const CANARY = `canary-${Math.random().toString(36).slice(2)}-docker`;
const sandbox = new DockerSandbox();
const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-docker-driver-'));
const said: string[] = [];
const ports: Record<string, number> = {};
let web = '';

/** A busybox httpd that logs its start and the canary, with a healthcheck, quick to stop on SIGTERM. */
async function server(name: string, labels: string[] = []): Promise<string> {
  const port = await freePort();
  const script = `trap 'exit 0' TERM; echo "${name} starting on ${port}"; echo "token is $API_TOKEN"; httpd -f -p 127.0.0.1:${port} -h /www & wait`;
  const full = await sandbox.start(
    name,
    [
      ...['--health-cmd', `wget -q -O /dev/null http://127.0.0.1:${port}/health`, '--health-interval', '1s'],
      ...['-e', `API_TOKEN=${CANARY}`, '-e', `UPSTREAM=${CANARY}`, '-e', 'GREETING=hello'],
      ...labels.flatMap((label) => ['--label', label]),
    ],
    ['sh', '-c', script],
  );
  ports[full] = port;
  return full;
}

beforeAll(async () => {
  await requireDocker();
  await sandbox.build();
  web = await server('web');
  const byName = await server('byname');
  const label = `dayshift.test.id=${sandbox.id}`;
  await server('pair-a', [label, 'dayshift.test.role=pair']);
  await server('pair-b', [label, 'dayshift.test.role=pair']);
  await server('other', [label, 'dayshift.test.role=other']);
  writeFileSync(path.join(dir, '.env'), `CANARY=${CANARY}\n`);
  writeFileSync(
    path.join(dir, 'dayshift.yaml'),
    [
      'version: 1',
      'services:',
      `  web: { driver: { docker: { container: ${web} } } }`,
      `  ${byName}: { driver: docker }`,
      `  pair: { driver: { docker: { label: { dayshift.test.id: "${sandbox.id}", dayshift.test.role: pair } } } }`,
      `  gone: { driver: { docker: { container: ${web}-gone } } }`,
      `  far: { driver: { docker: { container: ${web}, socket: ${path.join(dir, 'none.sock')} } } }`,
      `  delegated: { driver: { docker: { container: ${web}, agent: { url: "http://127.0.0.1:9", token: "\${CANARY}" } } } }`,
      'notifiers:',
      '  ops: { webhook: { url: "http://127.0.0.1:9/hook", secret: "${CANARY}" } }',
      '',
    ].join('\n'),
  );
}, 180_000);
afterAll(async () => {
  await sandbox.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

function handle(service: string): ServiceHandle {
  return new ServiceHandle(loadConfigOrThrow(path.join(dir, 'dayshift.yaml')).config, dir, service);
}

async function act(service: string, action: ServiceAction, request: ActionRequest = {}) {
  const outcome = await handle(service).act(action, { timeoutMs: 60_000, ...request });
  said.push(JSON.stringify(outcome));
  return outcome;
}

async function status(service: string) {
  const outcome = await act(service, 'status');
  if (outcome.action !== 'status') throw new Error('not a status');
  return outcome.status;
}

async function logs(service: string, request: ActionRequest) {
  const outcome = await act(service, 'logs', request);
  if (outcome.action !== 'logs') throw new Error('not logs');
  return outcome.logs.text;
}

async function failure(promise: Promise<unknown>): Promise<DayshiftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  said.push(JSON.stringify({ message: (error as Error).message, hint: (error as DayshiftError).hint }));
  return error as DayshiftError;
}

const startedAt = async (container: string) => docker('inspect', '-f', '{{.State.StartedAt}}', container);
const answers = async (container: string) => {
  try {
    return (await fetch(`http://127.0.0.1:${ports[container]}/health`)).ok ? true : undefined;
  } catch {
    return undefined;
  }
};
const healthy = (service: string) =>
  until(
    async () => {
      const s = await status(service);
      return s.health === 'healthy' ? s : undefined;
    },
    `${service} to be healthy`,
    45_000,
    250,
  );

describe('docker driver on real containers', () => {
  it('reads the status of a container by name: running, its health, pid and restart count', async () => {
    const s = await healthy('web');
    expect(s).toMatchObject({ state: 'running', health: 'healthy', restarts: 0, replicas: 1 });
    expect(s.pid).toBeGreaterThan(1);
    expect(s.detail).toContain(`${web} (`);
    expect(handle('web').supports).toEqual(['status', 'restart', 'stop', 'start', 'logs', 'env']);
  });

  it("acts on the container of the service's own name when none is given", async () => {
    const name = `dayshift-test-${sandbox.id}-byname`;
    const s = await status(name);
    expect(s.state).toBe('running');
    expect(s.detail).toContain(name);
  });

  it('restarts it: started again, answering and healthy again', async () => {
    const before = await startedAt(web);
    const outcome = await act('web', 'restart');
    expect(outcome.action === 'restart' && outcome.result.detail).toBe(`restart: ${web} restarted`);
    expect(await startedAt(web)).not.toBe(before);
    await until(() => answers(web), 'web to answer after its restart');
    await healthy('web');
  });

  let started = 0;
  it('stops it, and starts it again', async () => {
    await act('web', 'stop');
    expect((await status('web')).state).toBe('stopped');
    expect(await answers(web)).toBeUndefined();
    const again = await act('web', 'stop');
    expect(again.action === 'stop' && again.result.detail).toBe(`stop: ${web} was not running`);

    started = Date.now();
    await act('web', 'start');
    expect((await status('web')).state).toBe('running');
    await until(() => answers(web), 'web to answer after its start');
  });

  it('gives the last lines of its logs, those of the last while with since, secrets scrubbed', async () => {
    const all = await logs('web', { tail: 100 });
    expect(all.match(/^\S+Z web starting on \d+$/gm)).toHaveLength(3);
    expect((await logs('web', { tail: 1 })).split('\n')).toHaveLength(1);
    const recent = await logs('web', { tail: 100, sinceMs: Date.now() - started + 200 });
    expect(recent.match(/web starting on/g)).toHaveLength(1);
    expect(recent).toContain('token is [redacted]');
  });

  it("gives the container's environment with secret values masked", async () => {
    const outcome = await act('web', 'env');
    if (outcome.action !== 'env') throw new Error('not env');
    const env = Object.fromEntries(outcome.env.map((v) => [v.name, v]));
    expect(env.GREETING).toEqual({ name: 'GREETING', value: 'hello', masked: false });
    expect(env.API_TOKEN).toEqual({ name: 'API_TOKEN', value: '[masked]', masked: true });
    expect(env.UPSTREAM).toEqual({ name: 'UPSTREAM', value: '[masked]', masked: true });
  });

  it('acts on every container with the labels, and only those', async () => {
    const names = ['pair-a', 'pair-b'].map((n) => `dayshift-test-${sandbox.id}-${n}`);
    const s = await status('pair');
    expect(s).toMatchObject({ state: 'running', replicas: 2 });
    expect(s.detail).toMatch(/^2 of 2 containers running/);
    expect(s.detail).not.toContain('-other');

    const outcome = await act('pair', 'restart');
    expect(outcome.action === 'restart' && outcome.result.detail).toBe(
      `restart: ${names[0]} restarted, ${names[1]} restarted`,
    );
    const text = await logs('pair', { tail: 100 });
    for (const name of names) expect(text).toMatch(new RegExp(`^${name} \\| \\S+Z pair-. starting`, 'm'));
    expect(text).not.toContain('other starting');

    await act('pair', 'stop');
    expect(await status('pair')).toMatchObject({ state: 'stopped', replicas: 0 });
    expect(await answers(`dayshift-test-${sandbox.id}-other`)).toBe(true);
    await act('pair', 'start');
    expect((await status('pair')).replicas).toBe(2);
  });

  it('refuses to scale, rebuild or redeploy a bare container, pointing at the compose driver', async () => {
    for (const action of ['scale', 'rebuild', 'redeploy'] as const) {
      const error = await failure(handle('web').act(action, { replicas: 3 }));
      expect(error.code).toBe('ACTION_UNSUPPORTED');
      expect(error.message).toContain(`uses the docker driver, which cannot \`${action}\``);
      expect(error.message).toContain('a bare container has no build');
      expect(error.hint).toContain(`the compose driver can ${action}`);
    }
  });

  it('says when there is no such container, and how to give one', async () => {
    const s = await status('gone');
    expect(s.state).toBe('stopped');
    expect(s.detail).toBe(`no container named \`${web}-gone\``);
    const error = await failure(handle('gone').act('restart'));
    expect(error.code).toBe('SERVICE_ACTION_FAILED');
    expect(error.hint).toContain('`container:`');
  });

  it('fails with DOCKER_UNREACHABLE, saying how to start it, when the Engine does not answer', async () => {
    const error = await failure(handle('far').act('status'));
    expect(error.code).toBe('DOCKER_UNREACHABLE');
    expect(error.message).toContain(`the Docker Engine at ${path.join(dir, 'none.sock')} does not answer`);
    expect(error.hint).toContain('start the Docker daemon');
  });

  it('sends a delegated service to its agent, never to the socket, and an agent does not forward it', async () => {
    // Nothing listens on the agent's address: the action fails there rather than going to the socket.
    const unanswered = await failure(handle('delegated').act('status'));
    expect(unanswered.code).toBe('AGENT_UNAVAILABLE');
    const config = loadConfigOrThrow(path.join(dir, 'dayshift.yaml')).config;
    const inAgent = new ServiceHandle(config, dir, 'delegated', { local: true });
    const error = await failure(inAgent.act('status'));
    expect(error.code).toBe('ACTION_UNSUPPORTED');
    expect(error.message).toContain('this is an agent: it does not forward them');
    expect(error.hint).toContain('no `agent:`');
  });

  it('honours the timeout and the abort signal', async () => {
    // A restart takes the Engine far longer than a millisecond: stopping the container, starting it.
    const late = await failure(handle('web').act('restart', { timeoutMs: 1 }));
    expect(late.code).toBe('SERVICE_ACTION_FAILED');
    expect(late.message).toBe('restart of service `web` was stopped at its timeout (1 ms)');
    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(handle('web').act('restart', { signal: controller.signal }));
    expect(aborted.message).toBe('restart of service `web` was stopped before it finished');
  });

  it('never gives the canary back: not in env, logs, results or errors', () => {
    expect(said.length).toBeGreaterThan(10);
    for (const text of said) expect(text).not.toContain(CANARY);
  });
});
