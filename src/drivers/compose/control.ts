import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import { describeEnd, type ProcessOutcome, runProcess } from '../../process/index.js';
import { containerLogs } from '../shared/container-logs.js';
import { statusOfContainers } from '../shared/container-status.js';
import {
  dockerUnreachable,
  type Engine,
  engineCall,
  messageOf,
  openEngine,
  statusCodeOf,
} from '../shared/docker-engine.js';
import { envOfList } from '../shared/env-lines.js';
import { DEFAULT_TAIL_LINES, LOG_BYTES, lastLines, recentLines } from '../shared/log-lines.js';
import type {
  ActionOptions,
  ActionResult,
  LogsOptions,
  ServiceControl,
  ServiceLogs,
  ServiceTarget,
} from '../types.js';
import { defaultComposeFiles, overrideFileOf } from './files.js';
import { composeImages, type Doing } from './images.js';
import type { ComposeOptions } from './options.js';
import { type ComposeProgram, composeProgram } from './program.js';

/** What Compose prints when the Engine does not answer (v1: "Couldn't connect", v2: "Cannot connect"). */
const NO_DAEMON = /connect to (the )?Docker daemon|Is the docker daemon running|docker\.sock: connect:/i;
const NO_SERVICE = /no such service:\s*"?([^\s"]+)/i;

/**
 * The compose driver acting on one service: every action runs the Compose program in the project's
 * folder with its files, profiles and project name; status and env read the service's containers
 * (`ps -q`) through the Engine API.
 */
export function composeControl(target: ServiceTarget, o: ComposeOptions): ServiceControl {
  const cwd = path.resolve(target.baseDir, o.project_dir);
  const service = o.service ?? target.service;
  // Once a deploy pinned the service's image, every Compose command reads the pinning file after the
  // project's own files (which must then be named: any `-f` replaces Compose's default ones), so a
  // later `redeploy` or `scale` keeps the deployed digest.
  const override = path.resolve(target.baseDir, overrideFileOf(target.service));
  const global = (program: ComposeProgram): string[] => {
    const files = existsSync(override)
      ? [...(o.files ?? defaultComposeFiles(cwd, program.plugin)), override]
      : (o.files ?? []);
    return [
      ...files.flatMap((file) => ['-f', file]),
      ...(o.profiles ?? []).flatMap((profile) => ['--profile', profile]),
      ...(o.project_name ? ['-p', o.project_name] : []),
    ];
  };
  // The name Compose labels the project's containers with: `-p`, $COMPOSE_PROJECT_NAME, else the
  // folder's name as Compose normalizes it. A compose file's own `name:` is not read: the labels then
  // match nothing, and the driver asks Compose (`ps`) instead.
  const project =
    o.project_name ??
    process.env.COMPOSE_PROJECT_NAME ??
    path
      .basename(cwd)
      .toLowerCase()
      .replace(/[^-_a-z0-9]/g, '');
  let engine: Promise<Engine> | undefined;
  // Compose reaches the Engine that $DOCKER_HOST names, or the default socket: so does the driver.
  const theEngine = () => {
    engine ??= openEngine(undefined);
    return engine;
  };

  /** Runs Compose with `args`; a failure is worded by what it says (no Engine, no such service). */
  const compose = async (
    action: Doing,
    args: readonly string[],
    options: ActionOptions,
    keep: 'merged' | 'stdout' = 'merged',
  ): Promise<{ outcome: ProcessOutcome; program: ComposeProgram }> => {
    const started = Date.now();
    const program = await composeProgram(options);
    const outcome = await runProcess(
      { file: program.file, args: [...program.prefix, ...global(program), ...args] },
      {
        cwd,
        timeoutMs: Math.max(1, options.timeoutMs - (Date.now() - started)),
        signal: options.signal,
        mergeOutput: keep === 'merged',
        tailBytes: { stdout: LOG_BYTES },
      },
    );
    if (outcome.exitCode !== 0) throw await failed(action, program, args, outcome, options);
    return { outcome, program };
  };

  const failed = async (
    action: Doing,
    program: ComposeProgram,
    args: readonly string[],
    outcome: ProcessOutcome,
    options: ActionOptions,
  ): Promise<DayshiftError> => {
    const said = `${outcome.stdout}\n${outcome.stderr}`.trim();
    const command = `\`${program.name} ${args.join(' ')}\``;
    // The program was found already, so what keeps it from starting is its working directory.
    if (outcome.startError)
      return new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${action} of service \`${target.service}\`: ${command} could not start in ${cwd}: ${outcome.startError.message}`,
        {
          hint: `the compose driver's project_dir (${o.project_dir}) must be a folder, from the stack file's`,
          cause: outcome.startError,
        },
      );
    // Compose words an absent Engine in many ways (v1 may print a Python traceback): ask the Engine.
    if (!outcome.timedOut && !outcome.aborted) {
      const e = await theEngine();
      const ping = e.docker.ping.bind(e.docker) as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
      const answer = await ping({ abortSignal: AbortSignal.timeout(5_000) }).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (answer !== undefined || NO_DAEMON.test(said))
        return dockerUnreachable(
          e.where,
          answer === undefined ? lastLines(said, 1) : messageOf(answer),
          answer,
        );
    }
    const missing = NO_SERVICE.exec(said);
    if (missing && outcome.exitCode !== null) {
      const services = await projectServices(program, options);
      return new DayshiftError(
        'SERVICE_NOT_FOUND',
        `the Compose project in ${cwd} has no service \`${service}\` (for Dayshift's service \`${target.service}\`)`,
        {
          hint: `its services: ${services || '(none it could list)'}; when the names differ, set \`service:\` in the compose driver of services.${target.service}`,
        },
      );
    }
    return new DayshiftError(
      'SERVICE_ACTION_FAILED',
      `${action} of service \`${target.service}\` failed: ${command} ${describeEnd(outcome)}`,
      { hint: lastLines(said, 10) || `${program.name} printed nothing` },
    );
  };

  const projectServices = async (program: ComposeProgram, options: ActionOptions): Promise<string> => {
    const outcome = await runProcess(
      { file: program.file, args: [...program.prefix, ...global(program), 'config', '--services'] },
      { cwd, timeoutMs: Math.min(options.timeoutMs, 30_000), signal: options.signal },
    );
    return outcome.exitCode === 0 ? outcome.stdout.trim().split('\n').filter(Boolean).join(', ') : '';
  };

  /**
   * The ids of the service's containers, stopped ones too, found by the labels Compose puts on them
   * (`com.docker.compose.project` and `.service`): one Engine call instead of a Compose start, which is
   * a second with docker-compose v1. None found, Compose itself is asked (`ps -q`).
   */
  const containerIds = async (action: Doing, options: ActionOptions): Promise<string[]> => {
    const e = await theEngine();
    const listed = await engineCall(e, options, `${action} of service \`${target.service}\``, (signal) =>
      e.docker.listContainers({
        all: true,
        filters: {
          label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
        },
        abortSignal: signal,
      } as Docker.ContainerListOptions),
    ).catch((error: unknown) => {
      throw engineFailure(action, error);
    });
    if (listed.length > 0) return listed.map((c) => c.Id);
    const program = await composeProgram(options);
    const { outcome } = await compose(
      action,
      ['ps', ...(program.plugin ? ['-a'] : []), '-q', service],
      options,
      'stdout',
    );
    return outcome.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  };

  /** The logs as Compose prints them: for a service the Engine shows no container of. */
  const composeLogs = async (options: LogsOptions): Promise<ServiceLogs> => {
    // `since` counts back from when the logs were asked for, not from when Compose finished.
    const now = Date.now();
    const program = await composeProgram(options);
    const since =
      options.sinceMs === undefined
        ? []
        : program.plugin
          ? ['--since', `${Math.ceil(options.sinceMs / 1000)}s`]
          : [];
    const tail = options.tail ?? DEFAULT_TAIL_LINES;
    const { outcome } = await compose(
      'logs',
      ['logs', '--no-color', '--timestamps', ...['--tail', String(tail)], ...since, service],
      options,
      'stdout',
    );
    // v1 has no --since: the timestamps tell which lines are recent; with several replicas, each
    // container's tail comes whole, so the lines are ordered and cut again.
    return recentLines(outcome.stdout, {
      sinceMs: options.sinceMs,
      tail,
      truncated: outcome.truncated.stdout,
      now,
    });
  };

  /** The service's containers, stopped ones too, as the Engine describes them. */
  const containers = async (
    action: Doing,
    options: ActionOptions,
  ): Promise<Docker.ContainerInspectInfo[]> => {
    const deadline = Date.now() + options.timeoutMs;
    const left = () => ({ ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
    const ids = await containerIds(action, options);
    const e = await theEngine();
    const infos: Docker.ContainerInspectInfo[] = [];
    for (const id of ids) {
      try {
        infos.push(
          await engineCall(e, left(), `${action} of service \`${target.service}\``, (signal) =>
            e.docker.getContainer(id).inspect({ abortSignal: signal }),
          ),
        );
      } catch (error) {
        // Removed between `ps` and the inspect: it is not one of the service's containers any more.
        if (statusCodeOf(error) !== 404) throw engineFailure(action, error);
      }
    }
    return infos;
  };

  const engineFailure = (action: Doing, error: unknown): DayshiftError =>
    error instanceof DayshiftError
      ? error
      : new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `${action} of service \`${target.service}\`: the Docker Engine refused: ${messageOf(error)}`,
          { cause: error },
        );

  /**
   * Starts, stops or restarts the service's containers through the Engine, as Compose itself does
   * (`docker compose start|stop|restart` asks the Engine the same of each container), without a
   * Compose start. The Engine stops a container with the signal and grace period Compose gave it
   * (`stop_signal`, `stop_grace_period`, kept in the container's config). A service with no container
   * is left to Compose, which says so.
   */
  const throughEngine = async (
    action: 'start' | 'stop' | 'restart',
    options: ActionOptions,
  ): Promise<ActionResult> => {
    const deadline = Date.now() + options.timeoutMs;
    const left = () => ({ ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
    const infos = await containers(action, options);
    if (infos.length === 0) return ran(action, [[action, service]], left());
    const e = await theEngine();
    const done = await Promise.all(
      infos.map(async (info) => {
        const name = info.Name.replace(/^\//, '');
        // Already as asked: the Engine answers 304, which is no failure.
        if (action === 'start' && info.State.Running) return `${name} already running`;
        if (action === 'stop' && !info.State.Running) return `${name} already stopped`;
        await engineCall(e, left(), `${action} of service \`${target.service}\``, (signal) => {
          const container = e.docker.getContainer(info.Id);
          const request = { abortSignal: signal } as object;
          return action === 'start'
            ? container.start(request)
            : action === 'stop'
              ? container.stop(request)
              : container.restart(request);
        }).catch((error: unknown) => {
          if (statusCodeOf(error) === 304) return;
          throw engineFailure(action, error);
        });
        return `${name} ${action === 'stop' ? 'stopped' : action === 'start' ? 'started' : 'restarted'}`;
      }),
    );
    return { detail: `${action}: ${done.join(', ')}`, output: '' };
  };

  const ran = async (
    action: Doing,
    steps: readonly (readonly string[])[],
    options: ActionOptions,
  ): Promise<ActionResult> => {
    const deadline = Date.now() + options.timeoutMs;
    const outputs: string[] = [];
    let name = '';
    for (const args of steps) {
      const { outcome, program } = await compose(action, args, {
        ...options,
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      name = program.name;
      if (outcome.stdout.trim()) outputs.push(outcome.stdout.trim());
    }
    return {
      detail: `${action}: ${steps.map((args) => `\`${name} ${args.join(' ')}\``).join(' then ')} succeeded`,
      output: outputs.join('\n'),
    };
  };

  return {
    images: composeImages({ target, service, override, theEngine, compose, containers }),
    status: async (options) =>
      statusOfContainers(
        await containers('status', options),
        `Compose service \`${service}\` has no container: \`dayshift svc redeploy ${target.service}\` creates it`,
      ),
    start: (options) => throughEngine('start', options),
    stop: (options) => throughEngine('stop', options),
    restart: (options) => throughEngine('restart', options),
    rebuild: async (options) => {
      // A build from source replaces the image a deploy pinned: the pinning file goes first (Compose
      // would tag the build with the digest), and the service then runs what was built.
      const pinned = existsSync(override);
      if (pinned) rmSync(override, { force: true });
      const result = await ran(
        'rebuild',
        [
          ['build', service],
          ['up', '-d', service],
        ],
        options,
      );
      const unpinned = `the image a deploy pinned (${path.relative(target.baseDir, override)}) no longer applies: it runs what was built`;
      return pinned ? { ...result, detail: `${unpinned}; ${result.detail}` } : result;
    },
    redeploy: (options) => ran('redeploy', [['up', '-d', '--remove-orphans', service]], options),
    scale: (options) =>
      ran(
        'scale',
        [['up', '-d', '--scale', `${service}=${options.replicas}`, '--no-recreate', service]],
        options,
      ),
    logs: async (options) => {
      // Read through the Engine, as `docker compose logs` does, without starting Compose; lines keep
      // Compose's `web_1 | ` prefix and Docker's timestamps.
      const deadline = Date.now() + options.timeoutMs;
      const left = () => ({ ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
      const infos = await containers('logs', options);
      if (infos.length === 0) return composeLogs(left());
      const e = await theEngine();
      return containerLogs(
        infos,
        options,
        (id, request) =>
          engineCall(e, left(), `logs of service \`${target.service}\``, (signal) =>
            e.docker.getContainer(id).logs({ ...request, abortSignal: signal } as typeof request),
          ).catch((error: unknown) => {
            throw engineFailure('logs', error);
          }),
        (info) =>
          `${info.Config.Labels?.['com.docker.compose.service'] ?? service}_${info.Config.Labels?.['com.docker.compose.container-number'] ?? '1'} | `,
      );
    },
    env: async (options) => {
      const infos = await containers('env', options);
      const chosen = infos.find((i) => i.State.Running) ?? infos[0];
      if (!chosen)
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `env of service \`${target.service}\`: Compose service \`${service}\` has no container to read it from`,
          {
            hint: `create it first: \`dayshift svc redeploy ${target.service}\``,
          },
        );
      return envOfList(chosen.Config.Env ?? []);
    },
  };
}
