/**
 * The contract every service driver keeps, keyed by the registry (`driverKinds`): each driver has a case
 * here or a written reason to be skipped, and a driver with neither fails the suite.
 *
 * - an action the driver does not support with its options is refused before anything runs, with a
 *   message that says what is missing (for `none`, every action: the service has no driver);
 * - the shell driver starts, restarts and stops a local HTTP server the test owns, tracked by its
 *   pidfile: the server answers while it runs, a restart gives it a new pid, a stop closes its port and
 *   leaves no process of its group; its logs are read from the log file its start wrote to;
 * - the compose and docker drivers act on a real container (a Compose service, a container by name):
 *   status with Docker's health, a restart that starts it again, stop and start, the last lines of its
 *   logs; the docker driver refuses what a bare container cannot do (scale, rebuild, redeploy);
 * - the systemd driver starts, restarts and stops a unit through `systemctl`, reads its journal through
 *   `journalctl` and its environment through `systemctl show`. These machines' PID 1 is not systemd
 *   (`systemctl is-system-running` says `offline`; every other verb says "System has not been booted
 *   with systemd"), so a real systemctl cannot manage a unit here: the case runs against a unit manager
 *   stand-in (test/fixtures/unit-manager/), put first on PATH, that keeps unit state in a temp folder
 *   and really runs the unit's program, so the server answers, changes pid and closes its port.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { type DriverKind, driverKinds } from '../../src/drivers/registry.js';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { type DriverDefinition, SERVICE_ACTIONS } from '../../src/drivers/types.js';
import { DayshiftError } from '../../src/errors.js';
import { ServiceHandle } from '../../src/services/service-control.js';
import { ComposeSandbox, DockerSandbox, docker, freePort, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/wait.js';

/** Why a driver has no case yet; a driver in neither map fails the suite. */
const SKIPPED: Partial<Record<DriverKind, string>> = {};
const CASES: Partial<Record<DriverKind, () => void>> = {
  shell: shellCase,
  none: noneCase,
  systemd: systemdCase,
  compose: composeCase,
  docker: dockerCase,
};

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-drivers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stack file with one service `app` whose driver is the given YAML, loaded as the CLI loads it. */
function handleFor(driver: string, name: string): ServiceHandle {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1\nservices:\n  app:\n    driver: ${driver}\n`);
  return new ServiceHandle(loadConfigOrThrow(file).config, dir, 'app');
}

async function refused(promise: Promise<unknown>): Promise<DayshiftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  expect((error as DayshiftError).code).toBe('ACTION_UNSUPPORTED');
  return error as DayshiftError;
}

describe('every driver has a contract case or a written reason to skip', () => {
  it.each(Object.keys(driverKinds) as DriverKind[])('%s', (kind) => {
    const skip = SKIPPED[kind];
    expect(CASES[kind] !== undefined || (skip !== undefined && skip.length > 10)).toBe(true);
  });
});

describe('a driver that deploys by image opens controls with image deploys, and only such a driver', () => {
  const optionsOf: Record<DriverKind, unknown> = {
    compose: {},
    docker: {},
    systemd: {},
    shell: { start: 'true' },
    none: {},
  };
  it.each(Object.keys(driverKinds) as DriverKind[])('%s', (kind) => {
    const definition = driverKinds[kind] as DriverDefinition;
    const o = definition.options.parse(optionsOf[kind]);
    const deploys = definition.deploysImages?.(o) ?? false;
    expect(deploys).toBe(kind === 'compose' || kind === 'docker');
    // Opening acts on nothing (the control loads on its first action).
    const control = definition.open?.({ service: 'app', baseDir: dir }, o);
    expect(control?.images !== undefined).toBe(deploys);
  });
});

for (const [kind, reason] of Object.entries(SKIPPED)) describe.skip(`${kind}: ${reason}`, () => {});
for (const [kind, run] of Object.entries(CASES)) describe(kind, () => run?.());

function noneCase(): void {
  it('refuses every action, saying the service has no driver and how to give it one', async () => {
    const handle = handleFor('none', 'none');
    expect(handle.supports).toEqual([]);
    for (const action of SERVICE_ACTIONS) {
      const error = await refused(handle.act(action, { replicas: 1 }));
      expect(error.message).toContain('service `app` has no driver');
      expect(error.hint).toContain('driver:');
    }
    expect((await handle.status()).state).toBe('unknown');
  });
}

/** A small HTTP server that answers with its pid, writes its pidfile once it listens, and logs to stdout. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
// A helper of its own, in its group: a stop must leave nothing of the group behind.
spawn('sleep', ['600'], { stdio: 'ignore' });
const server = http.createServer((req, res) => res.end(String(process.pid)));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync('server.port', String(server.address().port));
  fs.writeFileSync('server.pid.tmp', String(process.pid));
  fs.renameSync('server.pid.tmp', 'server.pid');
  console.log('listening as ' + process.pid + ' for ' + process.env.DAYSHIFT_SERVICE);
});
process.on('SIGTERM', () => { console.log('stopping ' + process.pid); process.exit(0); });
`;

function shellCase(): void {
  const timeoutMs = 20_000;
  const port = () => Number(readFileSync(path.join(dir, 'server.port'), 'utf8'));
  const answer = async () => (await fetch(`http://127.0.0.1:${port()}/`)).text();
  let handle: ServiceHandle;
  const group = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  };
  const groups: number[] = [];

  afterAll(() => {
    // Whatever a failed assertion left running goes with the test.
    for (const g of groups) for (const pid of groupMembers(g)) process.kill(pid, 'SIGKILL');
  });

  it('starts a server that outlives its start command, tracked by its pidfile', async () => {
    writeFileSync(path.join(dir, 'server.cjs'), SERVER);
    handle = handleFor(
      `{ shell: { start: '"${process.execPath}" server.cjs &', pidfile: server.pid, log_file: server.log } }`,
      'shell',
    );
    expect(handle.supports).toEqual(['status', 'restart', 'stop', 'start', 'logs']);
    expect((await handle.status()).state).toBe('stopped');

    const started = await handle.act('start', { timeoutMs });
    expect(started.action === 'start' && started.result.detail).toMatch(/running as pid \d+/);
    const status = await handle.status();
    expect(status.state).toBe('running');
    expect(await answer()).toBe(String(status.pid));
    groups.push(group(status.pid as number));
  });

  it('does not start a second server while the first runs', async () => {
    const { pid } = await handle.status();
    const again = await handle.act('start', { timeoutMs });
    expect(again.action === 'start' && again.result.detail).toBe(`start: already running as pid ${pid}`);
    expect((await handle.status()).pid).toBe(pid);
  });

  it('restarts it: a new pid that answers', async () => {
    const before = (await handle.status()).pid;
    await handle.act('restart', { timeoutMs });
    const after = await handle.status();
    expect(after.state).toBe('running');
    expect(after.pid).not.toBe(before);
    expect(await answer()).toBe(String(after.pid));
    groups.push(group(after.pid as number));
  });

  it('reads its logs from the log file its start wrote to', async () => {
    const outcome = await handle.act('logs', { tail: 2, timeoutMs });
    expect(outcome.action).toBe('logs');
    if (outcome.action !== 'logs') return;
    const lines = outcome.logs.text.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^stopping \d+$/);
    expect(lines[1]).toMatch(/^listening as \d+ for app$/);
  });

  it('stops it: stopped, its port closed, nothing of its group left', async () => {
    const { pid } = await handle.status();
    const portWas = port();
    const g = group(pid as number);
    expect(groupMembers(g).length).toBeGreaterThan(1);
    await handle.act('stop', { timeoutMs });
    expect((await handle.status()).state).toBe('stopped');
    await expect(fetch(`http://127.0.0.1:${portWas}/`)).rejects.toThrow();
    await until(() => (groupMembers(g).length === 0 ? true : undefined), `group ${g} to be empty`);
  });

  it('refuses an action it has no command for, naming what to add', async () => {
    for (const action of ['scale', 'rebuild', 'redeploy', 'env'] as const) {
      const error = await refused(handle.act(action, { replicas: 2 }));
      expect(error.message).toBe(`service \`app\` (shell driver) has no command for \`${action}\``);
      expect(error.hint).toContain(`\`${action}:\``);
    }
  });

  it('runs the commands it is given, with the service and the replica count in their environment', async () => {
    const commands = handleFor(
      `{ shell: { status: 'test -f up', start: 'touch up', stop: 'rm up', scale: 'echo "$$DAYSHIFT_SERVICE x$$DAYSHIFT_REPLICAS"' } }`,
      'commands',
    );
    expect(commands.supports).toEqual(['status', 'restart', 'stop', 'start', 'scale']);
    expect((await commands.status()).state).toBe('stopped');
    await commands.act('start', { timeoutMs });
    expect((await commands.status()).state).toBe('running');
    const scaled = await commands.act('scale', { replicas: 3, timeoutMs });
    expect(scaled.action === 'scale' && scaled.result.output).toBe('app x3\n');
    await commands.act('stop', { timeoutMs });
    expect((await commands.status()).state).toBe('stopped');
  });

  it('fails a start whose server dies, pointing at its log file', async () => {
    const broken = handleFor(
      `{ shell: { start: 'echo "no config" >&2; exit 0', pidfile: gone.pid, log_file: gone.log } }`,
      'broken',
    );
    const error = await broken.act('start', { timeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e as DayshiftError,
    );
    expect(error?.code).toBe('SERVICE_ACTION_FAILED');
    expect(error?.message).toContain('no live pid appeared in gone.pid');
    expect(error?.hint).toContain('gone.log');
  });
}

/** A server a unit runs: answers with its pid, writes the port it took, exits 0 on SIGTERM. */
const UNIT_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end(String(process.pid)));
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.env.PORT_FILE + '.tmp', String(server.address().port));
  fs.renameSync(process.env.PORT_FILE + '.tmp', process.env.PORT_FILE);
  console.log('listening as ' + process.pid);
});
process.on('SIGTERM', () => { console.log('stopping ' + process.pid); process.exit(0); });
`;

function systemdCase(): void {
  const timeoutMs = 20_000;
  const units = path.join(dir, 'units');
  const portFile = path.join(dir, 'unit.port');
  const answer = async () => (await fetch(`http://127.0.0.1:${readFileSync(portFile, 'utf8')}/`)).text();
  const saved = { PATH: process.env.PATH, DAYSHIFT_UNITS_DIR: process.env.DAYSHIFT_UNITS_DIR };
  let handle: ServiceHandle;
  const pids: number[] = [];

  beforeAll(() => {
    for (const scope of ['system', 'user']) mkdirSync(path.join(units, scope), { recursive: true });
    writeFileSync(path.join(dir, 'unit-server.cjs'), UNIT_SERVER);
    writeFileSync(path.join(dir, 'unit.env'), 'DB_PASSWORD=canary-unit-file-pw\nLOG_LEVEL="info"\n');
    const unit = (scope: string, name: string, environment: Record<string, string>) =>
      writeFileSync(
        path.join(units, scope, `${name}.json`),
        JSON.stringify({
          exec: [process.execPath, path.join(dir, 'unit-server.cjs')],
          cwd: dir,
          environment,
          environmentFiles: [path.join(dir, 'unit.env')],
          restart: 'on-failure',
        }),
      );
    unit('system', 'app.service', {
      PORT_FILE: portFile,
      API_TOKEN: 'canary-unit-token',
      GREETING: 'hello world',
    });
    unit('user', 'desk.service', { PORT_FILE: path.join(dir, 'desk.port') });
    // The stand-in, not the machine's systemctl, which cannot manage units without systemd as PID 1.
    process.env.PATH = [
      path.resolve('test/fixtures/unit-manager'),
      path.dirname(process.execPath),
      saved.PATH,
    ].join(':');
    process.env.DAYSHIFT_UNITS_DIR = units;
  });
  afterAll(() => {
    // Whatever a failed assertion left running goes with the test: the servers and their supervisors.
    for (const scope of ['system', 'user'])
      for (const file of readdirSync(path.join(units, scope)).filter((f) => f.endsWith('.state.json'))) {
        const state = JSON.parse(readFileSync(path.join(units, scope, file), 'utf8'));
        pids.push(state.pid, state.supervisor);
      }
    // Only what is still ours: a pid that ended long ago may belong to someone else now.
    const ours = (pid: number) => {
      try {
        return /unit-(server|manager)\.cjs/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (const pid of pids.filter((p) => p > 1 && ours(p)))
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  });

  it('reads a stopped unit as stopped, and supports what a unit can do', async () => {
    handle = handleFor('systemd', 'systemd');
    expect(handle.supports).toEqual(['status', 'restart', 'stop', 'start', 'logs', 'env']);
    const status = await handle.status();
    expect(status).toMatchObject({ state: 'stopped', restarts: 0 });
    expect(status.detail).toBe('app.service is inactive (dead)');
  });

  it('starts the unit <service>.service: running, with the main pid, and its server answers', async () => {
    const started = await handle.act('start', { timeoutMs });
    expect(started.action === 'start' && started.result.detail).toMatch(
      /^start: app\.service is active \(running\) as pid \d+$/,
    );
    const status = await handle.status();
    expect(status.state).toBe('running');
    pids.push(status.pid as number);
    // Running is not yet listening: the program answers once it has written its port.
    await until(
      async () => ((await answer().catch(() => undefined)) === String(status.pid) ? true : undefined),
      'the started program to answer with its pid',
    );
  });

  it('restarts it: a new main pid that answers', async () => {
    const before = (await handle.status()).pid;
    await handle.act('restart', { timeoutMs });
    const after = await handle.status();
    expect(after.state).toBe('running');
    expect(after.pid).not.toBe(before);
    pids.push(after.pid as number);
    // Running is not yet listening: the new program answers once it has written its port.
    await until(
      async () => ((await answer().catch(() => undefined)) === String(after.pid) ? true : undefined),
      'the restarted program to answer with its pid',
    );
  });

  it("counts the manager's own restarts of a unit whose program died (NRestarts)", async () => {
    const { pid } = await handle.status();
    process.kill(pid as number, 'SIGKILL');
    const again = await until(async () => {
      const s = await handle.status();
      return s.state === 'running' && s.pid !== pid ? s : undefined;
    }, 'the unit to run again under a new pid');
    pids.push(again.pid as number);
    expect(again.restarts).toBe(1);
    // Running is not yet listening: the new program answers once it has written its port.
    await until(
      async () => ((await answer().catch(() => undefined)) === String(again.pid) ? true : undefined),
      'the restarted program to answer with its pid',
    );
  });

  it('reads its journal through journalctl: the last lines, with the unit pid', async () => {
    const { pid } = await handle.status();
    const outcome = await handle.act('logs', { tail: 1, sinceMs: 60_000, timeoutMs });
    expect(outcome.action === 'logs' && outcome.logs.text).toMatch(
      new RegExp(`^\\S+ standin app\\[${pid}\\]: listening as ${pid}$`),
    );
    const all = await handle.act('logs', { timeoutMs });
    expect(
      all.action === 'logs' && all.logs.text.split('\n').filter((l) => l.includes('stopping')),
    ).toHaveLength(1);
  });

  it('shows its environment, Environment= and EnvironmentFile=, with secret values masked', async () => {
    const outcome = await handle.act('env', { timeoutMs });
    expect(outcome.action).toBe('env');
    if (outcome.action !== 'env') return;
    const byName = Object.fromEntries(outcome.env.map((v) => [v.name, v.value]));
    expect(byName).toEqual({
      PORT_FILE: portFile,
      API_TOKEN: '[masked]',
      GREETING: 'hello world',
      DB_PASSWORD: '[masked]',
      LOG_LEVEL: 'info',
    });
    expect(JSON.stringify(outcome)).not.toMatch(/canary-unit/);
  });

  it('stops it: stopped, its port closed', async () => {
    const port = readFileSync(portFile, 'utf8');
    const stopped = await handle.act('stop', { timeoutMs });
    expect(stopped.action === 'stop' && stopped.result.detail).toBe('stop: app.service is inactive (dead)');
    expect((await handle.status()).state).toBe('stopped');
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('acts on a user unit with --user, and names the unit it was given', async () => {
    const desk = handleFor('{ systemd: { unit: desk.service, user: true } }', 'systemd-user');
    expect((await desk.status()).detail).toBe('desk.service is inactive (dead)');
    await desk.act('start', { timeoutMs });
    const status = await desk.status();
    expect(status.state).toBe('running');
    pids.push(status.pid as number);
    await desk.act('stop', { timeoutMs });
    // Without --user the same unit does not exist.
    const system = handleFor('{ systemd: { unit: desk.service } }', 'systemd-system');
    expect((await system.status()).detail).toBe('there is no unit desk.service');
  });

  it('fails a start of a unit that does not exist, with what systemctl said', async () => {
    const missing = handleFor('{ systemd: { unit: nowhere.service } }', 'systemd-missing');
    const error = await missing.act('start', { timeoutMs }).then(
      () => undefined,
      (e: unknown) => e as DayshiftError,
    );
    expect(error?.code).toBe('SERVICE_ACTION_FAILED');
    expect(error?.message).toBe(
      'start of service `app` (unit nowhere.service) failed: systemctl exited with 5',
    );
    expect(error?.hint).toContain('Unit nowhere.service not found.');
  });

  it('refuses scale, rebuild and redeploy, which a unit has not', async () => {
    for (const action of ['scale', 'rebuild', 'redeploy'] as const) {
      const error = await refused(handle.act(action, { replicas: 2 }));
      expect(error.message).toBe(`service \`app\` uses the systemd driver, which has no \`${action}\``);
    }
  });

  it('says systemd is unavailable when there is no systemctl, or no systemd answers it', async () => {
    process.env.PATH = path.join(dir, 'empty');
    const missing = await handle.status().then(
      () => undefined,
      (e: unknown) => e as DayshiftError,
    );
    expect(missing?.code).toBe('SYSTEMD_UNAVAILABLE');
    expect(missing?.message).toBe('systemctl is not installed here (or not on PATH)');
    process.env.PATH = [path.resolve('test/fixtures/unit-manager'), path.dirname(process.execPath)].join(':');
    delete process.env.DAYSHIFT_UNITS_DIR;
    const offline = await handle.act('restart', { timeoutMs }).then(
      () => undefined,
      (e: unknown) => e as DayshiftError,
    );
    expect(offline?.code).toBe('SYSTEMD_UNAVAILABLE');
    expect(offline?.message).toContain('System has not been booted with systemd');
    expect(offline?.hint).toContain('PID 1');
  });
}

/** A busybox httpd on `port` that logs its starts, with a healthcheck; quick to stop on SIGTERM. */
const httpd = (port: number) =>
  `trap 'exit 0' TERM; echo "app starting"; httpd -f -p 127.0.0.1:${port} -h /www & wait`;

/** What the compose and docker cases share: one container the driver acts on, seen from outside. */
interface ContainerSetup {
  driver: string;
  port: number;
  container: () => Promise<string>;
}

function containerCase(kind: 'compose' | 'docker', setup: () => Promise<ContainerSetup>): void {
  const timeoutMs = 120_000;
  let s: ContainerSetup;
  let handle: ServiceHandle;
  const answers = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${s.port}/health`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  };
  const startedAt = async () => docker('inspect', '-f', '{{.State.StartedAt}}', await s.container());

  beforeAll(async () => {
    s = await setup();
    handle = handleFor(s.driver, kind);
  }, 300_000);

  it("reads its status with Docker's health", async () => {
    const status = await until(
      async () => {
        const now = await handle.status();
        return now.health === 'healthy' ? now : undefined;
      },
      'the container to be healthy',
      60_000,
      250,
    );
    expect(status).toMatchObject({ state: 'running', replicas: 1, restarts: 0 });
  });

  it('restarts it: started again, answering', async () => {
    const before = await startedAt();
    await handle.act('restart', { timeoutMs });
    expect(await startedAt()).not.toBe(before);
    await until(answers, 'the container to answer after its restart');
  });

  it('stops it, its port closed, and starts it again', async () => {
    await handle.act('stop', { timeoutMs });
    expect((await handle.status()).state).toBe('stopped');
    expect(await answers()).toBeUndefined();
    await handle.act('start', { timeoutMs });
    expect((await handle.status()).state).toBe('running');
    await until(answers, 'the container to answer after its start');
  });

  it('gives the last lines of its logs', async () => {
    const outcome = await handle.act('logs', { tail: 2, timeoutMs });
    if (outcome.action !== 'logs') throw new Error('not logs');
    const lines = outcome.logs.text.split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/\S+Z app starting$/);
  });
}

function composeCase(): void {
  const sandbox = new ComposeSandbox();
  afterAll(() => sandbox.cleanup(), 120_000);
  containerCase('compose', async () => {
    const port = await freePort();
    await sandbox.create({});
    sandbox.write({
      'docker-compose.yml': [
        'services:',
        '  app:',
        `    image: ${sandbox.docker.image}`,
        '    network_mode: host',
        `    command: ["sh", "-c", ${JSON.stringify(httpd(port))}]`,
        '    healthcheck:',
        `      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:${port}/health"]`,
        '      interval: 1s',
        '',
      ].join('\n'),
    });
    await sandbox.compose('up', '-d');
    return {
      driver: `{ compose: { project_dir: "${sandbox.dir}", project_name: ${sandbox.project} } }`,
      port,
      container: async () => (await sandbox.ids('app'))[0] as string,
    };
  });
  it('does every action', () => {
    expect(handleFor('compose', 'compose-default').supports).toEqual(SERVICE_ACTIONS);
  });
}

function dockerCase(): void {
  const sandbox = new DockerSandbox();
  afterAll(() => sandbox.cleanup(), 60_000);
  containerCase('docker', async () => {
    await requireDocker();
    await sandbox.build();
    const port = await freePort();
    const health = [
      '--health-cmd',
      `wget -q -O /dev/null http://127.0.0.1:${port}/health`,
      '--health-interval',
      '1s',
    ];
    const name = await sandbox.start('app', health, ['sh', '-c', httpd(port)]);
    return { driver: `{ docker: { container: ${name} } }`, port, container: async () => name };
  });
  it('refuses what a bare container cannot do, saying the compose driver can', async () => {
    const handle = handleFor('docker', 'docker-refusals');
    expect(handle.supports).toEqual(['status', 'restart', 'stop', 'start', 'logs', 'env']);
    for (const action of ['scale', 'rebuild', 'redeploy'] as const) {
      const error = await refused(handle.act(action, { replicas: 2 }));
      expect(error.message).toContain('a bare container has no build');
      expect(error.hint).toContain(`the compose driver can ${action}`);
    }
  });
}
