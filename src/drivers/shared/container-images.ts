import { setTimeout as pause } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import type { ActionOptions } from '../types.js';
import { type Engine, engineCall, messageOf, statusCodeOf } from './docker-engine.js';
import { repositoryOf } from './image-digest.js';

/*
 * What the compose and docker drivers share to deploy by image: which digest a service's containers
 * run, waiting for a new container to be up, taking an old one away, and pruning a repository's images.
 * Every Engine call is bounded by the action's timeout and signal (`engineCall`).
 */

/** How often a container that was just started is looked at again, while waiting for it to be up. */
const POLL_MS = 200;

/** An Engine failure worded for the action (`what`: "deploy of service `web`"); a DayshiftError as it is. */
export function refused(what: string, error: unknown): DayshiftError {
  return error instanceof DayshiftError
    ? error
    : new DayshiftError('SERVICE_ACTION_FAILED', `${what}: the Docker Engine refused: ${messageOf(error)}`, {
        cause: error,
      });
}

/** The options of a step of an action that has `deadline` as its end. */
export function until(deadline: number, options: ActionOptions): ActionOptions {
  return { ...options, timeoutMs: Math.max(1, deadline - Date.now()) };
}

/** A container's name without the Engine's leading slash. */
export function nameOf(info: Docker.ContainerInspectInfo): string {
  return info.Name.replace(/^\//, '');
}

/** An Engine time (RFC 3339 with nanoseconds) in ms; undefined for the Engine's zero time (never). */
export function engineTime(text: string | undefined): number | undefined {
  if (!text || text.startsWith('0001-')) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An image as the Engine describes it, or undefined when it is gone from this Engine. */
export async function inspectImage(
  engine: Engine,
  image: string,
  options: ActionOptions,
  what: string,
): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await engineCall(
      engine,
      options,
      what,
      (signal) =>
        engine.docker
          .getImage(image)
          .inspect({ abortSignal: signal } as object) as Promise<Docker.ImageInspectInfo>,
    );
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw refused(what, error);
  }
}

/**
 * The repository digest a container runs: the one it was created from when that was a digest, else the
 * one of its image's `RepoDigests` whose repository is the one the container names (`Config.Image`),
 * else the image's first. Undefined for an image only built here, which no registry served.
 */
export async function digestOfContainer(
  engine: Engine,
  info: Docker.ContainerInspectInfo,
  options: ActionOptions,
  what: string,
): Promise<string | undefined> {
  const named = info.Config.Image;
  if (/@sha256:[0-9a-f]{64}$/.test(named)) return named;
  const image = await inspectImage(engine, info.Image, options, what);
  const digests = image?.RepoDigests ?? [];
  const repository = repositoryOf(named);
  return digests.find((d) => repositoryOf(d) === repository) ?? digests[0];
}

/**
 * What a service's containers run: the digest of the newest running one (of the newest at all when
 * none runs), the image it names, and a line that says which container and, when its containers run
 * different digests (a deploy half done), which.
 */
export async function runningImage(
  engine: Engine,
  infos: readonly Docker.ContainerInspectInfo[],
  options: ActionOptions,
  what: string,
  none: string,
): Promise<{ digest?: string; image?: string; detail: string }> {
  if (infos.length === 0) return { detail: none };
  const newestFirst = [...infos].sort(
    (a, b) =>
      Number(b.State.Running) - Number(a.State.Running) ||
      (engineTime(b.Created) ?? 0) - (engineTime(a.Created) ?? 0),
  );
  const digests = await Promise.all(newestFirst.map((i) => digestOfContainer(engine, i, options, what)));
  const chosen = newestFirst[0] as Docker.ContainerInspectInfo;
  const digest = digests[0];
  const state = chosen.State.Running ? 'runs' : `(${chosen.State.Status}) was created from`;
  const described = digest
    ? `${nameOf(chosen)} ${state} ${digest}`
    : `${nameOf(chosen)} ${state} ${chosen.Config.Image} (${chosen.Image.slice(0, 19)}), which has no digest from a registry: it was built or tagged here`;
  const others = [...new Set(digests.slice(1).filter((d) => d !== digest))];
  return {
    ...(digest ? { digest } : {}),
    image: chosen.Config.Image,
    detail:
      others.length > 0
        ? `${described}; other containers of the service run ${others.map((d) => d ?? 'an image with no digest').join(', ')}`
        : described,
  };
}

/**
 * Waits until a container runs and, when it has a healthcheck, until its health is known (healthy or
 * unhealthy: the deploy verifies which). A container that exits or is removed meanwhile is a failure.
 */
export async function untilUp(
  engine: Engine,
  id: string,
  options: ActionOptions,
  what: string,
): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const info = await engineCall(engine, until(deadline, options), what, (signal) =>
      engine.docker.getContainer(id).inspect({ abortSignal: signal }),
    ).catch((error: unknown) => {
      throw refused(what, error);
    });
    const s = info.State;
    if (s.Running && s.Health?.Status !== 'starting') return info;
    if (!s.Running && s.Status !== 'created' && !s.Restarting)
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${what}: the new container ${nameOf(info)} ${s.Status} with exit code ${s.ExitCode}${s.Error ? ` (${messageOf(s.Error)})` : ''}`,
        { hint: `its logs say why: \`docker logs ${nameOf(info)}\`` },
      );
    if (Date.now() >= deadline)
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${what}: the new container ${nameOf(info)} was not up (${s.Status}${s.Health ? `, ${s.Health.Status}` : ''}) within ${options.timeoutMs} ms`,
        { hint: 'give the deploy more time, or shorten the healthcheck start period' },
      );
    await pause(Math.min(POLL_MS, Math.max(1, deadline - Date.now())), undefined, {
      signal: options.signal,
    }).catch((error: unknown) => {
      throw new DayshiftError('SERVICE_ACTION_FAILED', `${what} was stopped before it finished`, {
        cause: error,
      });
    });
  }
}

/**
 * Stops a container (the Engine honours its own stop signal and timeout, `StopSignal`/`StopTimeout`)
 * and removes it, keeping its named and anonymous volumes. One already gone is no failure.
 */
export async function stopAndRemove(
  engine: Engine,
  id: string,
  options: ActionOptions,
  what: string,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const container = engine.docker.getContainer(id);
  for (const step of ['stop', 'remove'] as const) {
    await engineCall(engine, until(deadline, options), what, (signal) =>
      step === 'stop' ? container.stop({ abortSignal: signal }) : container.remove({ abortSignal: signal }),
    ).catch((error: unknown) => {
      // 304: stopped already; 404: gone already.
      const code = statusCodeOf(error);
      if (code === 304 || code === 404) return;
      throw refused(what, error);
    });
  }
}

/**
 * Removes the images of `repository` on this Engine whose digests are not in `keep` and that no
 * container, running or stopped, was created from. Each of the repository's references to such an
 * image (its tags and digests) is removed, so an image another repository also names stays for that
 * one; the Engine refuses (409) to remove an image a container uses, which is kept too.
 */
export async function pruneImages(
  engine: Engine,
  repository: string,
  keep: readonly string[],
  options: ActionOptions,
  what: string,
): Promise<{ removed: string[] }> {
  const deadline = Date.now() + options.timeoutMs;
  const call = <T>(run: (signal: AbortSignal) => Promise<T>) =>
    engineCall(engine, until(deadline, options), what, run).catch((error: unknown) => {
      throw refused(what, error);
    });
  const kept = new Set(keep.map((k) => k.slice(k.lastIndexOf('@') + 1)));
  const [images, containers] = await Promise.all([
    call((signal) => engine.docker.listImages({ abortSignal: signal } as Docker.ListImagesOptions)),
    call((signal) =>
      engine.docker.listContainers({ all: true, abortSignal: signal } as Docker.ContainerListOptions),
    ),
  ]);
  const used = new Set(containers.map((c) => c.ImageID));
  const removed: string[] = [];
  for (const image of images) {
    const digests = (image.RepoDigests ?? []).filter((d) => repositoryOf(d) === repository);
    const tags = (image.RepoTags ?? []).filter(
      (t) => t !== '<none>:<none>' && repositoryOf(t) === repository,
    );
    if (digests.length + tags.length === 0) continue;
    if (used.has(image.Id)) continue;
    if (digests.some((d) => kept.has(d.slice(d.lastIndexOf('@') + 1)))) continue;
    for (const reference of [...tags, ...digests]) {
      // The Engine says what it untagged: a repository's last tag takes its digest along.
      const said = await call(
        (signal) =>
          engine.docker.getImage(reference).remove({ abortSignal: signal } as object) as Promise<
            Array<{ Untagged?: string }>
          >,
      ).catch((error: unknown) => {
        const code = statusCodeOf((error as DayshiftError).cause ?? error);
        // 404: gone with the reference before it; 409: a container uses it after all.
        if (code === 404 || code === 409) return [];
        throw error;
      });
      for (const untagged of said ?? []) if (untagged.Untagged) removed.push(untagged.Untagged);
    }
  }
  return { removed };
}

/**
 * When the last of `ids` stopped (its `die` event) between `sinceMs` and now, read from the Engine's
 * event log: a container Compose recreated is removed by then, and the event log still has it.
 */
export async function lastStop(
  engine: Engine,
  ids: readonly string[],
  sinceMs: number,
  options: ActionOptions,
  what: string,
): Promise<number | undefined> {
  if (ids.length === 0) return undefined;
  const text = await engineCall(engine, options, what, async (signal) => {
    const stream = (await engine.docker.getEvents({
      since: String(Math.floor(sinceMs / 1000) - 1),
      // A time not yet past would keep the stream open until it comes.
      until: (Date.now() / 1000).toFixed(3),
      filters: { type: ['container'], event: ['die'], container: [...ids] },
      abortSignal: signal,
    } as object)) as NodeJS.ReadableStream;
    let said = '';
    for await (const chunk of stream) said += chunk.toString();
    return said;
  }).catch((error: unknown) => {
    throw refused(what, error);
  });
  const times = text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const event = JSON.parse(line) as { timeNano?: number; time?: number };
      return event.timeNano !== undefined ? event.timeNano / 1e6 : (event.time ?? 0) * 1000;
    });
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** What a container's own healthcheck said when it was run now. */
export interface ProbeResult {
  healthy: boolean;
  detail: string;
}

/**
 * Runs the healthcheck each running container was created with (`Config.Healthcheck.Test`) now,
 * through the Engine's `exec`, rather than waiting for Docker's next probe: a container that was just
 * started is `starting` until one interval has passed, however soon it is ready. Healthy when every
 * running container's command exits 0 within the healthcheck's own timeout. Undefined when no running
 * container has a healthcheck.
 */
export async function probeHealth(
  engine: Engine,
  infos: readonly Docker.ContainerInspectInfo[],
  options: ActionOptions,
  what: string,
): Promise<ProbeResult | undefined> {
  const probed = infos.filter((i) => {
    const test = i.Config.Healthcheck?.Test ?? [];
    return i.State.Running && test.length > 0 && test[0] !== 'NONE';
  });
  if (probed.length === 0) return undefined;
  const results = await Promise.all(
    probed.map(async (info) => {
      const test = info.Config.Healthcheck?.Test ?? [];
      // As Docker runs them: CMD-SHELL through the container's /bin/sh, CMD as it is.
      const command = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
      const ownTimeoutMs = Math.round((info.Config.Healthcheck?.Timeout ?? 30e9) / 1e6);
      const bounded = { ...options, timeoutMs: Math.min(options.timeoutMs, ownTimeoutMs || 30_000) };
      const deadline = Date.now() + bounded.timeoutMs;
      const exec = await engineCall(engine, bounded, what, (signal) =>
        engine.docker
          .getContainer(info.Id)
          .exec({ Cmd: command, AttachStdout: false, AttachStderr: false, abortSignal: signal } as object),
      );
      const started = await engineCall(engine, until(deadline, bounded), what, (signal) =>
        exec.start({ Detach: true, abortSignal: signal } as object),
      );
      // dockerode answers a start with its response stream, empty when detached: left open, its socket
      // would keep the process alive.
      (started as { destroy?: () => void } | undefined)?.destroy?.();
      for (;;) {
        const state = await engineCall(engine, until(deadline, bounded), what, () => exec.inspect());
        if (!state.Running) return { name: nameOf(info), code: state.ExitCode ?? -1 };
        if (Date.now() >= deadline) return { name: nameOf(info), code: -1 };
        await pause(25, undefined, { signal: options.signal });
      }
    }),
  );
  const failed = results.filter((r) => r.code !== 0);
  return failed.length === 0
    ? {
        healthy: true,
        detail: `its healthcheck passes when run now in ${results.map((r) => r.name).join(', ')}`,
      }
    : {
        healthy: false,
        detail: `its healthcheck fails when run now in ${failed.map((r) => `${r.name} (${r.code < 0 ? 'no answer in time' : `exit ${r.code}`})`).join(', ')}`,
      };
}
