import { isDeepStrictEqual } from 'node:util';
import type Docker from 'dockerode';

/** Keys of a container's `Config` that the image gives when the container does not set its own. */
const FROM_IMAGE = [
  'Cmd',
  'Entrypoint',
  'Healthcheck',
  'WorkingDir',
  'User',
  'StopSignal',
  'ExposedPorts',
  'Volumes',
  'OnBuild',
  'Shell',
] as const;

/**
 * How to create a container like `info` but from `image`: its own configuration (command, environment,
 * labels, healthcheck, ports, mounts, restart policy, network) kept, and what it only had from its old
 * image (`oldImage`, the old image's `Config`) left for the new image to give, as `docker run` would:
 * a command, an environment variable, a label or a healthcheck equal to the old image's is the image's,
 * not the container's. Without the old image (removed since), everything is kept as the container's.
 * Anonymous volumes are carried over by name, so the new container sees the old one's data.
 */
export function recreateSpec(
  info: Docker.ContainerInspectInfo,
  oldImage: Docker.ImageInspectInfo['Config'] | undefined,
  image: string,
  name: string,
): Docker.ContainerCreateOptions {
  const own = { ...(info.Config as unknown as Record<string, unknown>) };
  const fromImage = (oldImage ?? {}) as unknown as Record<string, unknown>;
  if (oldImage)
    for (const key of FROM_IMAGE) if (isDeepStrictEqual(own[key], fromImage[key])) delete own[key];
  const imageEnv = new Set(oldImage?.Env ?? []);
  const imageLabels = oldImage?.Labels ?? {};
  const env = (info.Config.Env ?? []).filter((line) => !imageEnv.has(line));
  const labels = Object.fromEntries(
    Object.entries(info.Config.Labels ?? {}).filter(([k, v]) => imageLabels[k] !== v),
  );
  const mode = info.HostConfig.NetworkMode ?? 'default';
  // A hostname the Engine made up (the short id), or the host's on its network, is not the container's.
  if (own.Hostname === info.Id.slice(0, 12) || mode === 'host' || mode.startsWith('container:'))
    delete own.Hostname;
  delete own.MacAddress;
  delete own.Image;

  const hostConfig = { ...info.HostConfig } as Docker.HostConfig;
  const binds = [...(hostConfig.Binds ?? [])];
  const mounted = new Set([
    ...binds.map((b) => b.split(':')[1]),
    ...(hostConfig.Mounts ?? []).map((m) => m.Target),
  ]);
  for (const m of info.Mounts ?? [])
    if (m.Type === 'volume' && m.Name && !mounted.has(m.Destination))
      binds.push(`${m.Name}:${m.Destination}${m.RW ? '' : ':ro'}`);
  if (binds.length > 0) hostConfig.Binds = binds;

  return {
    ...(own as Docker.ContainerCreateOptions),
    name,
    Image: image,
    Env: env,
    Labels: labels,
    HostConfig: hostConfig,
    ...networking(info, mode),
  };
}

/** The endpoint of the container's own network, its aliases but the old short id; none on host/none/default. */
function networking(
  info: Docker.ContainerInspectInfo,
  mode: string,
): Pick<Docker.ContainerCreateOptions, 'NetworkingConfig'> {
  if (['host', 'none', 'default', 'bridge'].includes(mode) || mode.startsWith('container:')) return {};
  const endpoint = info.NetworkSettings.Networks?.[mode];
  if (!endpoint) return {};
  const aliases = (endpoint.Aliases ?? []).filter((a: string) => a !== info.Id.slice(0, 12));
  return {
    NetworkingConfig: {
      EndpointsConfig: {
        [mode]: {
          ...(aliases.length > 0 ? { Aliases: aliases } : {}),
          ...(endpoint.IPAMConfig ? { IPAMConfig: endpoint.IPAMConfig } : {}),
          ...(endpoint.Links ? { Links: endpoint.Links } : {}),
        },
      },
    },
  };
}

/** The other networks the container was connected to, beside its own: connected after it is created. */
export function extraNetworks(
  info: Docker.ContainerInspectInfo,
): Array<{ network: string; aliases: string[] }> {
  const mode = info.HostConfig.NetworkMode ?? 'default';
  return Object.entries(info.NetworkSettings.Networks ?? {})
    .filter(([network]) => network !== mode && !['host', 'none', 'bridge'].includes(network))
    .map(([network, endpoint]) => ({
      network,
      aliases: (endpoint.Aliases ?? []).filter((a: string) => a !== info.Id.slice(0, 12)),
    }));
}
