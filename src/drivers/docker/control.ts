import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import { containerLogs } from '../shared/container-logs.js';
import { statusOfContainers } from '../shared/container-status.js';
import { type Engine, engineCall, messageOf, openEngine, statusCodeOf } from '../shared/docker-engine.js';
import { envOfList } from '../shared/env-lines.js';
import type { ActionOptions, ActionResult, ServiceAction, ServiceControl, ServiceTarget } from '../types.js';
import { dockerImages } from './images.js';
import type { DockerOptions } from './options.js';

/** What the driver is doing, for messages: an action, or deploying an image. */
type Doing = ServiceAction | 'deploy';

/** Seconds a stop or restart gives the container's main process after SIGTERM, as `docker stop` does. */
const STOP_GRACE_S = 10;

/** The docker driver acting on one service's containers through the Engine API. */
export function dockerControl(target: ServiceTarget, o: DockerOptions): ServiceControl {
  const name = o.container ?? target.service;
  const labels = o.label ? Object.entries(o.label).map(([k, v]) => `${k}=${v}`) : undefined;
  const which = labels
    ? `no container has the labels ${labels.join(', ')}`
    : `no container named \`${name}\``;
  let opened: Promise<Engine> | undefined;
  const engine = () => {
    opened ??= openEngine(o.socket);
    return opened;
  };

  const call = async <T>(
    action: Doing,
    options: ActionOptions,
    run: (docker: Docker, signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const e = await engine();
    try {
      return await engineCall(e, options, `${action} of service \`${target.service}\``, (signal) =>
        run(e.docker, signal),
      );
    } catch (error) {
      if (error instanceof DayshiftError) throw error;
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${action} of service \`${target.service}\`: the Docker Engine refused: ${messageOf(error)}`,
        { cause: error },
      );
    }
  };

  /** The service's containers, stopped ones too: the one named, or every one with the labels. */
  const containers = async (
    action: Doing,
    options: ActionOptions,
  ): Promise<Docker.ContainerInspectInfo[]> => {
    const e = await engine();
    const inspect = async (id: string): Promise<Docker.ContainerInspectInfo | undefined> => {
      try {
        return await engineCall(e, options, `${action} of service \`${target.service}\``, (signal) =>
          e.docker.getContainer(id).inspect({ abortSignal: signal }),
        );
      } catch (error) {
        // No such container (or one removed between the list and the inspect): not the service's.
        if (statusCodeOf(error) === 404) return undefined;
        if (error instanceof DayshiftError) throw error;
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `${action} of service \`${target.service}\`: the Docker Engine refused: ${messageOf(error)}`,
          { cause: error },
        );
      }
    };
    if (!labels) {
      const one = await inspect(name);
      return one ? [one] : [];
    }
    const listed = await call(action, options, (docker, signal) =>
      docker.listContainers({ all: true, filters: { label: labels }, abortSignal: signal }),
    );
    const infos: Docker.ContainerInspectInfo[] = [];
    for (const c of listed.sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? ''))) {
      const info = await inspect(c.Id);
      if (info) infos.push(info);
    }
    return infos;
  };

  const needed = async (action: Doing, options: ActionOptions) => {
    const infos = await containers(action, options);
    if (infos.length === 0)
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${action} of service \`${target.service}\`: ${which}`,
        {
          hint: labels
            ? 'start containers with those labels (docker run --label ...), or change `label:` in the docker driver'
            : `create it (docker run --name ${name} ...), or name the container with \`container:\` in the docker driver`,
        },
      );
    return infos;
  };

  /** Runs one change on each container that needs it; says what it did to each. */
  const each = async (
    action: 'start' | 'stop' | 'restart',
    options: ActionOptions,
    skip: (i: Docker.ContainerInspectInfo) => string | undefined,
    run: (c: Docker.Container, signal: AbortSignal) => Promise<unknown>,
  ): Promise<ActionResult> => {
    const deadline = Date.now() + options.timeoutMs;
    const said: string[] = [];
    for (const info of await needed(action, options)) {
      const label = info.Name.replace(/^\//, '');
      const why = skip(info);
      if (why) {
        said.push(`${label} ${why}`);
        continue;
      }
      await call(action, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) }, (docker, signal) =>
        run(docker.getContainer(info.Id), signal).catch((error) => {
          // 304: already in the asked state (it stopped or started meanwhile).
          if (statusCodeOf(error) !== 304) throw error;
        }),
      );
      said.push(`${label} ${action === 'stop' ? 'stopped' : action === 'start' ? 'started' : 'restarted'}`);
    }
    return { detail: `${action}: ${said.join(', ')}`, output: '' };
  };

  return {
    images: dockerImages({
      target,
      name: labels ? undefined : name,
      label: o.label,
      engine,
      containers: (options) => containers('deploy', options),
      needed: (options) => needed('deploy', options),
    }),
    status: async (options) => statusOfContainers(await containers('status', options), which),
    start: (options) =>
      each(
        'start',
        options,
        (i) => (i.State.Running ? 'was running' : undefined),
        (c, signal) => c.start({ abortSignal: signal }),
      ),
    stop: (options) =>
      each(
        'stop',
        options,
        (i) => (i.State.Running ? undefined : 'was not running'),
        (c, signal) => c.stop({ t: STOP_GRACE_S, abortSignal: signal }),
      ),
    restart: (options) =>
      each(
        'restart',
        options,
        () => undefined,
        (c, signal) => c.restart({ t: STOP_GRACE_S, abortSignal: signal }),
      ),
    rebuild: unsupported(target.service, 'rebuild'),
    redeploy: unsupported(target.service, 'redeploy'),
    scale: unsupported(target.service, 'scale'),
    logs: async (options) => {
      const infos = await needed('logs', options);
      return containerLogs(
        infos,
        options,
        (id, request) =>
          call('logs', options, (docker, signal) =>
            docker.getContainer(id).logs({ ...request, abortSignal: signal } as typeof request),
          ),
        // Several containers' lines are told apart as Compose does, by a prefix with the name.
        (info) => (infos.length > 1 ? `${info.Name.replace(/^\//, '')} | ` : ''),
      );
    },
    env: async (options) => {
      const infos = await needed('env', options);
      const chosen = infos.find((i) => i.State.Running) ?? (infos[0] as Docker.ContainerInspectInfo);
      return envOfList(chosen.Config.Env ?? []);
    },
  };
}

/** An action a bare container cannot do; `supports` never lists it, so this is only a safeguard. */
function unsupported(service: string, action: ServiceAction) {
  return async (): Promise<never> => {
    throw new DayshiftError(
      'ACTION_UNSUPPORTED',
      `service \`${service}\` uses the docker driver, which cannot \`${action}\``,
      {
        hint: `the compose driver can ${action} a Compose service`,
      },
    );
  };
}
