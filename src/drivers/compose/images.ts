import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { parse } from 'yaml';
import { DayshiftError } from '../../errors.js';
import type { ProcessOutcome } from '../../process/index.js';
import {
  engineTime,
  lastStop,
  nameOf,
  probeHealth,
  pruneImages,
  runningImage,
  stopAndRemove,
  until,
  untilUp,
} from '../shared/container-images.js';
import type { Engine } from '../shared/docker-engine.js';
import { requirePinned, resolveDigest } from '../shared/image-digest.js';
import type { ActionOptions, ApplyResult, ImageReleases, ServiceAction, ServiceTarget } from '../types.js';
import type { ComposeProgram } from './program.js';

/** What the compose driver is doing, for messages: an action, or deploying an image. */
export type Doing = ServiceAction | 'deploy';

/** What the compose driver's control lends its image deploys: how it runs Compose and finds containers. */
export interface ComposeInternals {
  target: ServiceTarget;
  /** The Compose service. */
  service: string;
  /** The absolute path of the file that pins the service's image; Compose reads it once it exists. */
  override: string;
  theEngine: () => Promise<Engine>;
  compose: (
    action: Doing,
    args: readonly string[],
    options: ActionOptions,
    keep?: 'merged' | 'stdout',
  ) => Promise<{ outcome: ProcessOutcome; program: ComposeProgram }>;
  containers: (action: Doing, options: ActionOptions) => Promise<Docker.ContainerInspectInfo[]>;
}

/**
 * Deploying a Compose service by image: an override file beside the stack pins the image by digest
 * (`services: { web: { image: repo@sha256:… } }`), and Compose recreates the service from it. Side by
 * side when the service has no fixed container name, no published port and not the host's network:
 * Compose scales it to twice its containers (the new ones run the pinned image), then the old ones are
 * stopped and removed once the new are up. Otherwise the containers are recreated in place, and the
 * downtime is read from the Engine: from the last old container's stop to the first new one's start.
 */
export function composeImages(c: ComposeInternals): ImageReleases {
  const what = `deploy of service \`${c.target.service}\``;
  const file = path.relative(c.target.baseDir, c.override);

  const sideBySide = async (options: ActionOptions): Promise<{ possible: boolean; why: string }> => {
    const infos = await c.containers('deploy', options);
    const rules = infos.length > 0 ? infos.map(ruleOfContainer) : [await ruleOfConfig(options)];
    const refusal = rules.find((rule) => rule !== undefined);
    if (refusal) return { possible: false, why: refusal };
    return {
      possible: true,
      why: `Compose service \`${c.service}\` has no container_name, publishes no port and is not on the host's network: the new containers start beside the old ones, which stop once the new are up`,
    };
  };

  /** Why a running container rules a second one out, from how the Engine created it. */
  const ruleOfContainer = (info: Docker.ContainerInspectInfo): string | undefined => {
    if (info.HostConfig.NetworkMode === 'host')
      return `Compose service \`${c.service}\` uses the host's network (network_mode: host): a second container would need the same ports, so the old one stops first`;
    const published = Object.entries(info.HostConfig.PortBindings ?? {}).filter(
      ([, bindings]) => Array.isArray(bindings) && bindings.length > 0,
    );
    if (published.length > 0)
      return `Compose service \`${c.service}\` publishes host ports (${published.map(([port]) => port).join(', ')}): a second container could not bind them, so the old one stops first`;
    const labels = info.Config.Labels ?? {};
    const generated = new RegExp(
      `^${escapeRegExp(labels['com.docker.compose.project'] ?? '')}[-_]${escapeRegExp(c.service)}[-_]${labels['com.docker.compose.container-number']?.replace(/\D/g, '') || '\\d+'}(_[0-9a-f]+)?$`,
    );
    if (!generated.test(nameOf(info)))
      return `Compose service \`${c.service}\` has a fixed container name (container_name: ${nameOf(info)}): Docker allows one container of a name, so the old one stops first`;
    return undefined;
  };

  /** The same rules, read from Compose's merged configuration, for a service with no container yet. */
  const ruleOfConfig = async (options: ActionOptions): Promise<string | undefined> => {
    const { outcome } = await c.compose('deploy', ['config'], options, 'stdout');
    const config = parse(outcome.stdout) as { services?: Record<string, Record<string, unknown>> } | null;
    const s = config?.services?.[c.service] ?? {};
    if (s.network_mode === 'host')
      return `Compose service \`${c.service}\` uses the host's network (network_mode: host): a second container would need the same ports, so the old one stops first`;
    if (Array.isArray(s.ports) && s.ports.length > 0)
      return `Compose service \`${c.service}\` publishes host ports (ports:): a second container could not bind them, so the old one stops first`;
    if (typeof s.container_name === 'string')
      return `Compose service \`${c.service}\` has a fixed container name (container_name: ${s.container_name}): Docker allows one container of a name, so the old one stops first`;
    return undefined;
  };

  const apply = async (digest: string, options: ActionOptions): Promise<ApplyResult> => {
    requirePinned(digest, what);
    const deadline = Date.now() + options.timeoutMs;
    const side = await sideBySide(until(deadline, options));
    const before = await c.containers('deploy', until(deadline, options));
    const previous = existsSync(c.override) ? readFileSync(c.override, 'utf8') : undefined;
    mkdirSync(path.dirname(c.override), { recursive: true });
    writeFileSync(c.override, pinning(c.target.service, c.service, digest));
    try {
      return side.possible && before.length > 0
        ? await besideOld(digest, before, until(deadline, options))
        : await inPlace(digest, before, side.why, until(deadline, options));
    } catch (error) {
      // What failed is not pinned: the service's next Compose command keeps what ran before.
      if (previous === undefined) rmSync(c.override, { force: true });
      else writeFileSync(c.override, previous);
      throw error;
    }
  };

  const besideOld = async (
    digest: string,
    before: readonly Docker.ContainerInspectInfo[],
    options: ActionOptions,
  ): Promise<ApplyResult> => {
    const deadline = Date.now() + options.timeoutMs;
    const scale = `${c.service}=${before.length * 2}`;
    const { outcome, program } = await c.compose(
      'deploy',
      ['up', '-d', '--no-deps', '--no-recreate', '--scale', scale, c.service],
      options,
    );
    const old = new Set(before.map((i) => i.Id));
    const fresh = (await c.containers('deploy', until(deadline, options))).filter((i) => !old.has(i.Id));
    const e = await c.theEngine();
    try {
      if (fresh.length === 0)
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `${what}: \`${program.name} up --scale ${scale}\` started no new container`,
          { hint: outcome.stdout.trim() || `${program.name} printed nothing` },
        );
      await Promise.all(fresh.map((i) => untilUp(e, i.Id, until(deadline, options), what)));
    } catch (error) {
      await Promise.all(fresh.map((i) => stopAndRemove(e, i.Id, until(deadline, options), what))).catch(
        () => {},
      );
      throw error;
    }
    for (const info of before) await stopAndRemove(e, info.Id, until(deadline, options), what);
    return {
      detail: `deployed ${digest} side by side: ${fresh.map(nameOf).join(', ')} started beside ${before.map(nameOf).join(', ')}, which then stopped and were removed`,
      output: outcome.stdout.trim(),
      sideBySide: true,
      file,
    };
  };

  const inPlace = async (
    digest: string,
    before: readonly Docker.ContainerInspectInfo[],
    why: string,
    options: ActionOptions,
  ): Promise<ApplyResult> => {
    const deadline = Date.now() + options.timeoutMs;
    const began = Date.now();
    const { outcome } = await c.compose(
      'deploy',
      ['up', '-d', '--no-deps', '--force-recreate', c.service],
      options,
    );
    const e = await c.theEngine();
    const after = await c.containers('deploy', until(deadline, options));
    const wasRunning = before.filter((i) => i.State.Running).map((i) => i.Id);
    const starts = after
      .filter((i) => i.State.Running)
      .map((i) => engineTime(i.State.StartedAt))
      .filter((t): t is number => t !== undefined);
    const stopped =
      wasRunning.length > 0
        ? ((await lastStop(e, wasRunning, began, until(deadline, options), what)) ?? began)
        : undefined;
    const downtimeMs =
      stopped !== undefined && starts.length > 0
        ? Math.max(0, Math.round(Math.min(...starts) - stopped))
        : undefined;
    return {
      detail:
        before.length === 0
          ? `deployed ${digest}: the service had no container, Compose created ${after.map(nameOf).join(', ')}`
          : `deployed ${digest} in place (${why}): ${after.map(nameOf).join(', ')} recreated${downtimeMs === undefined ? '' : `, ${downtimeMs} ms without a running container`}`,
      output: outcome.stdout.trim(),
      sideBySide: false,
      ...(downtimeMs !== undefined ? { downtimeMs } : {}),
      file,
    };
  };

  return {
    running: async (options) => {
      const deadline = Date.now() + options.timeoutMs;
      const infos = await c.containers('deploy', options);
      return runningImage(
        await c.theEngine(),
        infos,
        until(deadline, options),
        what,
        `Compose service \`${c.service}\` has no container`,
      );
    },
    pull: async (reference, options) => resolveDigest(await c.theEngine(), reference, options),
    probe: async (options) => {
      const deadline = Date.now() + options.timeoutMs;
      const infos = await c.containers('deploy', options);
      return probeHealth(await c.theEngine(), infos, until(deadline, options), what);
    },
    sideBySide,
    apply,
    prune: async (repository, keep, options) =>
      pruneImages(await c.theEngine(), repository, keep, options, `pruning the images of ${repository}`),
  };
}

/** The override file: the Compose service's image, pinned by digest. */
function pinning(dayshiftService: string, composeService: string, digest: string): string {
  return [
    `# Written by \`dayshift deploy ${dayshiftService}\`: pins the image by digest. Compose reads it after`,
    "# the project's own files; the next deploy or rollback rewrites it.",
    'services:',
    `  ${JSON.stringify(composeService)}:`,
    `    image: ${JSON.stringify(digest)}`,
    '',
  ].join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
