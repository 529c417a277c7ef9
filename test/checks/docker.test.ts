import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import type { CheckResult } from '../../src/checks/types.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DockerSandbox, docker, freePort, requireDocker } from '../helpers/docker.js';
import { exampleEnv, exampleSecrets } from '../helpers/examples.js';
import { until } from '../helpers/wait.js';
import { checkOf, testEnv } from './check-env.js';

const sandbox = new DockerSandbox();

beforeAll(async () => {
  await requireDocker();
  await sandbox.build();
}, 180_000);
afterAll(() => sandbox.cleanup());

/** Runs the check until `done` holds; a container's health changes on Docker's own schedule. */
async function checkUntil(
  container: string,
  done: (r: CheckResult) => boolean,
  what: string,
  socket?: string,
): Promise<CheckResult> {
  let last: CheckResult | undefined;
  return until(
    async () => {
      last = await runCheck(checkOf('docker', socket ? { container, socket } : { container }), testEnv());
      return done(last) ? last : undefined;
    },
    () => `${container} to become ${what}; the last check said ${JSON.stringify(last)}`,
    45_000,
    250,
  );
}

/** A busybox httpd on 127.0.0.1 whose healthcheck fetches `path` from it every second. */
async function webContainer(name: string, path: string): Promise<string> {
  const port = await freePort();
  return sandbox.start(
    name,
    [
      '--health-cmd',
      `wget -q -O /dev/null http://127.0.0.1:${port}${path}`,
      '--health-interval',
      '1s',
      '--health-timeout',
      '3s',
      '--health-retries',
      '2',
    ],
    ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'],
  );
}

describe('docker check against the real Engine', () => {
  it('reports a running container whose healthcheck passes as running and healthy', async () => {
    const name = await webContainer('healthy', '/health');
    const result = await checkUntil(name, (r) => r.values.health === 'healthy', 'healthy');
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions.map((c) => [c.expr, c.ok])).toEqual([
      ["state == 'running'", true],
      ["health != 'unhealthy'", true],
    ]);
    expect(result.values).toMatchObject({ state: 'running', health: 'healthy', restart_count: 0 });
    expect(result.values.cpu_pct as number).toBeGreaterThanOrEqual(0);
    // Without a limit the percentage is of the host's memory: a few hundred KiB of busybox round to 0.
    expect(result.values.memory_bytes as number).toBeGreaterThan(0);
    expect(result.values.memory_pct as number).toBeGreaterThanOrEqual(0);
    expect(result.values.memory_pct as number).toBeLessThanOrEqual(100);
  });

  it("passes every example's docker check against a healthy running container", async () => {
    const name = await webContainer('example', '/health');
    await checkUntil(name, (r) => r.values.health === 'healthy', 'healthy');
    const checks = Object.keys(exampleSecrets).flatMap((file) => {
      const { config } = loadConfigOrThrow(file, { env: exampleEnv(file) });
      return Object.entries(config.services).flatMap(([service, s]) =>
        Object.entries(s.checks)
          .filter(([, c]) => c.kind === 'docker')
          .map(([id, c]) => ({ id: `${file} ${service}.${id}`, expect: c.expect })),
      );
    });
    expect(checks.length).toBeGreaterThanOrEqual(3);
    for (const check of checks) {
      const result = await runCheck(
        { id: check.id, kind: 'docker', options: { container: name }, expect: check.expect, timeout: 5000 },
        testEnv(),
      );
      expect(result.outcome, `${check.id}: ${JSON.stringify(result.conditions)}`).toBe('pass');
    }
  });

  it('reports a container whose healthcheck fails as unhealthy, with the check output', async () => {
    const name = await webContainer('unhealthy', '/missing');
    const result = await checkUntil(
      name,
      (r) => r.values.health === 'unhealthy',
      'unhealthy',
      'unix:///var/run/docker.sock',
    );
    expect(result.outcome).toBe('fail');
    expect(result.values.state).toBe('running');
    expect(result.conditions.find((c) => !c.ok)).toMatchObject({
      expr: "health != 'unhealthy'",
      actual: 'unhealthy',
    });
    expect(String(result.details?.health_output)).toMatch(/404|Not Found/i);
  });

  it('reports a stopped container with its exit code, and health none without a healthcheck', async () => {
    const name = await sandbox.start('stopped', [], ['sh', '-c', 'exit 3']);
    const result = await checkUntil(
      name,
      (r) => r.values.state === 'exited',
      'exited',
      '/var/run/docker.sock',
    );
    expect(result.outcome).toBe('fail');
    expect(result.values).toMatchObject({ state: 'exited', health: 'none' });
    expect(result.conditions[0]).toMatchObject({ expr: "state == 'running'", ok: false, actual: 'exited' });
    const exit = await runCheck(checkOf('docker', { container: name }, ['exit_code == 3']), testEnv());
    expect(exit.outcome, JSON.stringify(exit)).toBe('pass');
  });

  it('follows a container that is stopped and started again', async () => {
    const name = await sandbox.start('restarted', [], ['sleep', '600']);
    await checkUntil(name, (r) => r.values.state === 'running', 'running');
    await docker('stop', '-t', '0', name);
    await checkUntil(name, (r) => r.values.state === 'exited', 'exited');
    await docker('start', name);
    const result = await checkUntil(name, (r) => r.values.state === 'running', 'running again');
    expect(result.outcome).toBe('pass');
    expect(result.values.health).toBe('none');
  });

  it('reports a container that does not exist as an error', async () => {
    const container = `dayshift-test-${sandbox.id}-never-created`;
    const result = await runCheck(checkOf('docker', { container }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toBe(`no container named ${container}`);
  });

  it('reports an Engine socket that does not exist as an error', async () => {
    const result = await runCheck(
      checkOf('docker', { container: 'anything', socket: '/nonexistent/docker.sock' }),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/^cannot reach the Docker Engine at \/nonexistent\/docker.sock: .*ENOENT/);
  });
});
