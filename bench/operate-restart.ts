/**
 * The first part of `npm run bench -- operate`: `dayshift svc restart web` until the service is healthy
 * again, against `docker-compose restart web` and the same wait.
 *
 * The project is one busybox service (an image FROM scratch with the host's static busybox, as the
 * tests build it) on the host network, serving /health on 127.0.0.1 with a wget healthcheck every 1 s,
 * and printing LOG_LINES lines each time it starts, so the logs Dayshift keeps before acting are not
 * empty. After each command returns, `docker inspect` is polled every POLL_MS until the container has
 * started again (a new StartedAt) and its health is `healthy`: the same wait on both sides. Dayshift's
 * side is the whole `dayshift svc restart`: its start, the stack file, finding Compose, the logs kept
 * before acting, the restart, and the run and audit entry it records.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CLI } from '../test/helpers/built-cli.js';
import { ComposeSandbox, freePort } from '../test/helpers/docker.js';
import { until } from '../test/helpers/wait.js';
import { alternate, benchEnv, timed, undoOnInterrupt } from './operate-timing.js';

const ROUNDS = Number(process.env.BENCH_RESTARTS ?? 8);
const LOG_LINES = 200;
const POLL_MS = 50;
const run = promisify(execFile);

/** One restart: how long the command took to return, and to the service being healthy again. */
export interface Restart {
  commandMs: number;
  healthyMs: number;
}

export interface RestartResult {
  rounds: number;
  compose: Restart[];
  dayshift: Restart[];
  trace: Trace;
  /** What the last restart kept of the service's logs before acting, as its run's evidence records it. */
  logsKept: { name: string; size: number };
}

/** Where one `dayshift svc restart` spent its time: each docker and Compose program it ran. */
export interface Trace {
  totalMs: number;
  /** From node's spawn to the first program: node's start, the stack file, the store. */
  beforeFirstMs: number;
  programs: Array<{ command: string; atMs: number; ms: number }>;
}

function composeFile(image: string, port: number): string {
  const log = `i=0; while [ $$i -lt ${LOG_LINES} ]; do echo \\"web started, log line $$i\\"; i=$$((i+1)); done`;
  return `services:
  web:
    image: ${image}
    network_mode: host
    command: ["sh", "-c", "trap 'exit 0' TERM; ${log}; httpd -f -p 127.0.0.1:${port} -h /www & wait"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:${port}/health"]
      interval: 1s
      timeout: 2s
      retries: 2
`;
}

/** The container's start time and health, as `docker inspect` reads them. */
async function inspect(container: string): Promise<{ startedAt: string; health: string }> {
  const { stdout } = await run('docker', [
    'inspect',
    '-f',
    '{{.State.StartedAt}} {{if .State.Health}}{{.State.Health.Status}}{{end}}',
    container,
  ]);
  const [startedAt = '', health = ''] = stdout.trim().split(' ');
  return { startedAt, health };
}

/** Waits until the container started after `before` and is healthy. */
async function healthyAgain(container: string, before: string): Promise<void> {
  let last = { startedAt: '', health: '' };
  await until(
    async () => {
      last = await inspect(container);
      return last.startedAt !== before && last.health === 'healthy' ? true : undefined;
    },
    () => `web to be healthy again after its restart (last seen: started ${last.startedAt}, ${last.health})`,
    60_000,
    POLL_MS,
  );
}

export async function restartCase(): Promise<RestartResult> {
  const sandbox = new ComposeSandbox();
  const forget = undoOnInterrupt(() => sandbox.cleanup());
  try {
    await sandbox.create({});
    const port = await freePort();
    sandbox.write({
      'docker-compose.yml': composeFile(sandbox.docker.image, port),
      'dayshift.yaml': `version: 1\nruntime: { compose: { project_name: ${sandbox.project} } }\nservices:\n  web: {}\n`,
    });
    await sandbox.compose('up', '-d');
    const [container] = await sandbox.ids('web');
    if (!container) throw new Error('docker-compose up started no container for web');
    await healthyAgain(container, '');

    const stack = path.join(sandbox.dir, 'dayshift.yaml');
    const env = benchEnv();
    const measure = async (command: () => Promise<number>): Promise<Restart> => {
      const before = (await inspect(container)).startedAt;
      const started = performance.now();
      const commandMs = await command();
      await healthyAgain(container, before);
      return { commandMs, healthyMs: performance.now() - started };
    };
    const compose = () =>
      measure(() =>
        timed('docker-compose', ['-p', sandbox.project, 'restart', 'web'], { cwd: sandbox.dir, env }),
      );
    const dayshift = () =>
      measure(() => timed(process.execPath, [CLI, '--config', stack, 'svc', 'restart', 'web'], { env }));
    // One of each first, untimed: the image's layers, Compose's and node's files are in the page cache.
    await compose();
    await dayshift();
    const times = await alternate(ROUNDS, compose, dayshift);
    const trace = await traced(sandbox.dir, async (bin) => {
      let spawnedAt = 0;
      const { commandMs } = await measure(() => {
        spawnedAt = Date.now();
        return timed(process.execPath, [CLI, '--config', stack, 'svc', 'restart', 'web'], {
          env: { ...env, PATH: `${bin}:${env.PATH ?? ''}` },
        });
      });
      return { spawnedAt, commandMs };
    });
    return {
      rounds: ROUNDS,
      compose: times.a,
      dayshift: times.b,
      trace,
      logsKept: lastEvidence(sandbox.dir),
    };
  } finally {
    forget();
    await sandbox.cleanup();
  }
}

/**
 * One more, untimed, `dayshift svc restart` with `docker` and `docker-compose` wrapped by scripts that
 * note when each call began and ended: which programs the restart ran, and how long each took.
 */
async function traced(
  dir: string,
  restart: (bin: string) => Promise<{ spawnedAt: number; commandMs: number }>,
): Promise<Trace> {
  const bin = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-trace-'));
  try {
    const log = path.join(bin, 'calls.log');
    for (const program of ['docker', 'docker-compose']) {
      const { stdout } = await run('/bin/sh', ['-c', `command -v ${program}`], { cwd: dir });
      const wrapper = path.join(bin, program);
      writeFileSync(
        wrapper,
        `#!/bin/sh\ns=$(date +%s%N)\n"${stdout.trim()}" "$@"\nrc=$?\necho "$s $(date +%s%N) ${program} $*" >> "${log}"\nexit $rc\n`,
      );
      chmodSync(wrapper, 0o755);
    }
    const { spawnedAt, commandMs } = await restart(bin);
    // A restart that runs no program (the compose driver asks the Engine itself) leaves no log.
    const programs = (existsSync(log) ? readFileSync(log, 'utf8') : '')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [from = '0', to = '0', ...command] = line.split(' ');
        const at = Number(BigInt(from) / 1_000_000n) - spawnedAt;
        return { command: command.join(' '), atMs: at, ms: Number((BigInt(to) - BigInt(from)) / 1_000_000n) };
      })
      .sort((a, b) => a.atMs - b.atMs);
    return { totalMs: commandMs, beforeFirstMs: programs[0]?.atMs ?? commandMs, programs };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

/** The last evidence item `dayshift svc` recorded in the stack file's store: the logs it kept. */
function lastEvidence(dir: string): { name: string; size: number } {
  const db = new Database(path.join(dir, '.dayshift', 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('select name, size from run_evidence order by id desc limit 1').get() as
      | { name: string; size: number }
      | undefined;
    if (!row)
      throw new Error('dayshift svc restart recorded no evidence: the logs before acting are missing');
    return row;
  } finally {
    db.close();
  }
}
