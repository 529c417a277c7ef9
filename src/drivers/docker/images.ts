import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import {
  engineTime,
  inspectImage,
  nameOf,
  probeHealth,
  pruneImages,
  refused,
  runningImage,
  stopAndRemove,
  until,
  untilUp,
} from '../shared/container-images.js';
import { type Engine, engineCall, messageOf, statusCodeOf } from '../shared/docker-engine.js';
import { requirePinned, resolveDigest } from '../shared/image-digest.js';
import type { ActionOptions, ApplyResult, ImageReleases, ServiceTarget } from '../types.js';
import { extraNetworks, recreateSpec } from './recreate.js';

/** What the docker driver's control lends its image deploys: its Engine and how it finds containers. */
export interface DockerInternals {
  target: ServiceTarget;
  /** The container's fixed name; undefined when the driver selects containers by label. */
  name: string | undefined;
  /** The labels that select the service's containers, when it does. */
  label: Record<string, string> | undefined;
  engine: () => Promise<Engine>;
  /** The service's containers, stopped ones too. */
  containers: (options: ActionOptions) => Promise<Docker.ContainerInspectInfo[]>;
  /** The same; none is a failure that says how to create one. */
  needed: (options: ActionOptions) => Promise<Docker.ContainerInspectInfo[]>;
}

/**
 * Deploying a bare container by image: each of the service's containers is created again with the
 * same configuration (see recreateSpec) from the new digest. Side by side when the driver selects by
 * label (no fixed name) and the container publishes no port and is not on the host's network: the new
 * container, under a new name with the same labels, starts and is up before the old one stops and is
 * removed. Otherwise the old one stops first (its own stop signal and timeout), is renamed aside, and
 * the new one takes its name; should it fail to be created or to start, the old one is put back.
 */
export function dockerImages(d: DockerInternals): ImageReleases {
  const what = `deploy of service \`${d.target.service}\``;

  const ruleOf = (infos: readonly Docker.ContainerInspectInfo[]): { possible: boolean; why: string } => {
    if (!d.label)
      return {
        possible: false,
        why: `the docker driver names the container (\`${d.name}\`): Docker allows one container of a name, so the old one stops first`,
      };
    for (const info of infos) {
      if (info.HostConfig.NetworkMode === 'host')
        return {
          possible: false,
          why: `${nameOf(info)} uses the host's network: a second container would need the same ports, so the old one stops first`,
        };
      const published = Object.entries(info.HostConfig.PortBindings ?? {}).filter(
        ([, bindings]) => Array.isArray(bindings) && bindings.length > 0,
      );
      if (published.length > 0)
        return {
          possible: false,
          why: `${nameOf(info)} publishes host ports (${published.map(([port]) => port).join(', ')}): a second container could not bind them, so the old one stops first`,
        };
    }
    return {
      possible: true,
      why: 'the docker driver selects containers by label, and they publish no port and are not on the host network: each new container starts beside its old one, which stops once the new is up',
    };
  };

  /** Creates (and connects to its other networks) and starts a container; removes it again on failure. */
  const createAndStart = async (
    e: Engine,
    spec: Docker.ContainerCreateOptions,
    info: Docker.ContainerInspectInfo,
    options: ActionOptions,
  ): Promise<Docker.Container> => {
    const deadline = Date.now() + options.timeoutMs;
    const step = <T>(run: (signal: AbortSignal) => Promise<T>) =>
      engineCall(e, until(deadline, options), what, run).catch((error: unknown) => {
        throw refused(what, error);
      });
    const created = await step((signal) =>
      e.docker.createContainer({ ...spec, abortSignal: signal } as typeof spec),
    );
    try {
      for (const extra of extraNetworks(info))
        await step((signal) =>
          e.docker.getNetwork(extra.network).connect({
            Container: created.id,
            EndpointConfig: { Aliases: extra.aliases },
            abortSignal: signal,
          } as object),
        );
      await step((signal) => created.start({ abortSignal: signal }));
      return created;
    } catch (error) {
      await step((signal) => created.remove({ force: true, abortSignal: signal } as object)).catch(() => {});
      throw error;
    }
  };

  const besideOld = async (
    e: Engine,
    info: Docker.ContainerInspectInfo,
    digest: string,
    oldImage: Docker.ImageInspectInfo | undefined,
    options: ActionOptions,
  ): Promise<string> => {
    const deadline = Date.now() + options.timeoutMs;
    const base = nameOf(info).replace(/-[0-9a-f]{12}(-[0-9a-f]{4})?$/, '');
    const short = digest.slice(digest.lastIndexOf(':') + 1, digest.lastIndexOf(':') + 13);
    const spec = withLabels(recreateSpec(info, oldImage?.Config, digest, `${base}-${short}`));
    let named = spec.name as string;
    const created = await createAndStart(e, spec, info, until(deadline, options)).catch(
      async (error: unknown) => {
        // The name is taken (the same digest deployed twice): another one beside it.
        if (statusCodeOf((error as DayshiftError).cause) !== 409) throw error;
        named = `${spec.name}-${randomBytes(2).toString('hex')}`;
        return createAndStart(e, { ...spec, name: named }, info, until(deadline, options));
      },
    );
    try {
      await untilUp(e, created.id, until(deadline, options), what);
    } catch (error) {
      await stopAndRemove(e, created.id, until(deadline, options), what).catch(() => {});
      throw error;
    }
    await stopAndRemove(e, info.Id, until(deadline, options), what);
    return `${named} started beside ${nameOf(info)}, which then stopped and was removed`;
  };

  const inPlace = async (
    e: Engine,
    info: Docker.ContainerInspectInfo,
    digest: string,
    oldImage: Docker.ImageInspectInfo | undefined,
    options: ActionOptions,
  ): Promise<{ said: string; downtimeMs?: number }> => {
    const deadline = Date.now() + options.timeoutMs;
    const step = <T>(run: (signal: AbortSignal) => Promise<T>) =>
      engineCall(e, until(deadline, options), what, run).catch((error: unknown) => {
        if (statusCodeOf(error) === 304) return undefined;
        throw refused(what, error);
      });
    const name = nameOf(info);
    const old = e.docker.getContainer(info.Id);
    const aside = `${name}-replaced-${randomBytes(3).toString('hex')}`;
    // The Engine stops it with its own StopSignal, and kills it after its own StopTimeout (10 s without).
    if (info.State.Running) await step((signal) => old.stop({ abortSignal: signal }));
    const inspect = async (c: Docker.Container) =>
      (await step((signal) => c.inspect({ abortSignal: signal }))) as Docker.ContainerInspectInfo;
    const stopped = info.State.Running ? engineTime((await inspect(old)).State.FinishedAt) : undefined;
    await step((signal) => old.rename({ name: aside, abortSignal: signal } as object));
    let created: Docker.Container;
    try {
      created = await createAndStart(
        e,
        withLabels(recreateSpec(info, oldImage?.Config, digest, name)),
        info,
        until(deadline, options),
      );
    } catch (error) {
      // Put the old container back as it was, under its name, running if it ran.
      const back = until(deadline + 30_000, options);
      await engineCall(e, back, what, (signal) => old.rename({ name, abortSignal: signal } as object));
      if (info.State.Running) await engineCall(e, back, what, (signal) => old.start({ abortSignal: signal }));
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `${what}: the new container from ${digest} did not start (${messageOf(error)}); ${name} runs its old image again`,
        {
          hint: 'check that the image was pulled on this Engine and that its configuration suits the new image',
          cause: error,
        },
      );
    }
    const started = engineTime((await inspect(created)).State.StartedAt);
    await stopAndRemove(e, info.Id, until(deadline, options), what);
    const downtimeMs =
      stopped !== undefined && started !== undefined ? Math.max(0, Math.round(started - stopped)) : undefined;
    return {
      said: `${name} recreated${downtimeMs === undefined ? ' (it was not running)' : `, ${downtimeMs} ms without a running container`}`,
      ...(downtimeMs !== undefined ? { downtimeMs } : {}),
    };
  };

  /** The labels that select the service stay on the new container, whatever its image says. */
  const withLabels = (spec: Docker.ContainerCreateOptions): Docker.ContainerCreateOptions =>
    d.label ? { ...spec, Labels: { ...spec.Labels, ...d.label } } : spec;

  return {
    running: async (options) => {
      const deadline = Date.now() + options.timeoutMs;
      const infos = await d.containers(options);
      return runningImage(
        await d.engine(),
        infos,
        until(deadline, options),
        what,
        d.label
          ? `no container has the labels ${Object.entries(d.label)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`
          : `no container named \`${d.name}\``,
      );
    },
    pull: async (reference, options) => resolveDigest(await d.engine(), reference, options),
    probe: async (options) => {
      const deadline = Date.now() + options.timeoutMs;
      const infos = await d.containers(options);
      return probeHealth(await d.engine(), infos, until(deadline, options), what);
    },
    sideBySide: async (options) => {
      const infos = await d.needed(options);
      return ruleOf(infos);
    },
    apply: async (digest, options): Promise<ApplyResult> => {
      requirePinned(digest, what);
      const deadline = Date.now() + options.timeoutMs;
      const infos = await d.needed(options);
      const rule = ruleOf(infos);
      const e = await d.engine();
      const said: string[] = [];
      let downtimeMs: number | undefined;
      for (const info of infos) {
        const oldImage = await inspectImage(e, info.Image, until(deadline, options), what);
        if (rule.possible) said.push(await besideOld(e, info, digest, oldImage, until(deadline, options)));
        else {
          const done = await inPlace(e, info, digest, oldImage, until(deadline, options));
          said.push(done.said);
          if (done.downtimeMs !== undefined) downtimeMs = Math.max(downtimeMs ?? 0, done.downtimeMs);
        }
      }
      return {
        detail: `deployed ${digest} ${rule.possible ? 'side by side' : `in place (${rule.why})`}: ${said.join('; ')}`,
        output: '',
        sideBySide: rule.possible,
        ...(downtimeMs !== undefined ? { downtimeMs } : {}),
      };
    },
    prune: async (repository, keep, options) =>
      pruneImages(await d.engine(), repository, keep, options, `pruning the images of ${repository}`),
  };
}
