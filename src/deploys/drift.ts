import type { StackConfig } from '../config/schema.js';
import type { ServiceHandle } from '../services/service-control.js';
import { ownValue } from '../util/own.js';
import { refReleases } from './git-ref.js';
import { shortTarget as short } from './release.js';
import type { Releases } from './releases.js';

/** Where a service stands against its releases: the live one, what runs, and whether they differ. */
export interface ReleaseStanding {
  release: number;
  target: string;
  running: string | null;
  /** What runs is not the release Dayshift recorded as live: someone deployed by hand. */
  drift: boolean;
  detail: string;
}

/**
 * Compares what a service runs (its containers' image digest, or its work tree's commit) with the live
 * release Dayshift recorded. Undefined for a service Dayshift never deployed.
 */
export async function standingOf(
  handle: ServiceHandle,
  releases: Releases,
  config: StackConfig,
  baseDir: string,
): Promise<ReleaseStanding | undefined> {
  const live = await releases.live(handle.name);
  if (!live) return undefined;
  const options = { timeoutMs: 10_000 };
  let running: string | undefined;
  try {
    const definition = ownValue(config.deploys, handle.name);
    if (live.kind === 'ref' && definition?.repo !== undefined)
      running = (await refReleases(handle.name, definition, baseDir).running(options)).commit;
    else running = (await handle.images()?.running(options))?.digest;
  } catch {
    running = undefined;
  }
  const drift = running !== undefined && running !== live.target;
  return {
    release: live.id,
    target: live.target,
    running: running ?? null,
    drift,
    detail: drift
      ? `drift: it runs ${short(running as string)}, not release ${live.id} (${short(live.target)}) that Dayshift deployed; deployed by hand?`
      : running === undefined
        ? `release ${live.id} (${short(live.target)}); what runs now cannot be read`
        : `on release ${live.id} (${short(live.target)})`,
  };
}
