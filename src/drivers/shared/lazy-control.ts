import { DayshiftError } from '../../errors.js';
import { type ImageReleases, SERVICE_ACTIONS, type ServiceControl } from '../types.js';

/**
 * A control whose machinery is imported on its first action, so reading the stack file does not pay
 * for it (nor for dockerode). `images: true` gives it the image deploys of the control it loads (the
 * container drivers'); without, it has none, as the control it stands for.
 */
export function lazyControl(
  load: () => Promise<ServiceControl>,
  { images = false }: { images?: boolean } = {},
): ServiceControl {
  let loaded: Promise<ServiceControl> | undefined;
  const control = () => {
    loaded ??= load();
    return loaded;
  };
  const releases = async (): Promise<ImageReleases> => {
    const loadedImages = (await control()).images;
    if (!loadedImages)
      throw new DayshiftError('ACTION_UNSUPPORTED', "this service's driver does not deploy by image", {
        hint: 'the compose and docker drivers deploy by image (`dayshift deploy <service> --image <ref>`)',
      });
    return loadedImages;
  };
  return {
    ...(images
      ? {
          images: {
            running: async (a) => (await releases()).running(a),
            pull: async (reference, a) => (await releases()).pull(reference, a),
            sideBySide: async (a) => (await releases()).sideBySide(a),
            apply: async (digest, a) => (await releases()).apply(digest, a),
            probe: async (a) => (await releases()).probe?.(a),
            prune: async (repository, keep, a) => (await releases()).prune(repository, keep, a),
          } satisfies ImageReleases,
        }
      : {}),
    status: async (a) => (await control()).status(a),
    start: async (a) => (await control()).start(a),
    stop: async (a) => (await control()).stop(a),
    restart: async (a) => (await control()).restart(a),
    rebuild: async (a) => (await control()).rebuild(a),
    redeploy: async (a) => (await control()).redeploy(a),
    scale: async (a) => (await control()).scale(a),
    logs: async (a) => (await control()).logs(a),
    env: async (a) => (await control()).env(a),
  };
}

/**
 * A service whose driver names a `dayshift agent`, opened inside an agent (ServiceHandle sends every
 * other caller's actions to the agent itself): an agent never forwards to another one, and never takes
 * the action through the Docker socket on the word of a stack file meant for its clients.
 */
export function throughAgent(kind: string, service: string): ServiceControl {
  const refuse = async (): Promise<never> => {
    throw new DayshiftError(
      'ACTION_UNSUPPORTED',
      `service \`${service}\` sends its ${kind} actions to a dayshift agent, and this is an agent: it does not forward them`,
      {
        hint: `give the agent a stack file whose ${kind} driver has no \`agent:\`: the agent is what holds the Docker socket`,
      },
    );
  };
  return Object.fromEntries(SERVICE_ACTIONS.map((action) => [action, refuse])) as unknown as ServiceControl;
}
