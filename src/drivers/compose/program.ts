import { DayshiftError } from '../../errors.js';
import { runProcess } from '../../process/index.js';
import type { ActionOptions } from '../types.js';

/** How this machine runs Compose: the `docker compose` plugin, or the standalone `docker-compose`. */
export interface ComposeProgram {
  file: string;
  /** Arguments before Compose's own: `compose` for the plugin. */
  prefix: readonly string[];
  /** The plugin (v2) lists stopped containers with `ps -a` and has `logs --since`; v1 does neither. */
  plugin: boolean;
  /** `docker compose` or `docker-compose`, for messages. */
  name: string;
}

const CANDIDATES: readonly ComposeProgram[] = [
  { file: 'docker', prefix: ['compose'], plugin: true, name: 'docker compose' },
  { file: 'docker-compose', prefix: [], plugin: false, name: 'docker-compose' },
];

let found: Promise<ComposeProgram> | undefined;

/**
 * The Compose program, found once per process: the plugin when `docker compose version` succeeds, else
 * `docker-compose`. A search that fails (neither installed, or it was aborted) is tried again next time.
 */
export function composeProgram(options: ActionOptions): Promise<ComposeProgram> {
  if (!found) {
    found = find(options);
    found.catch(() => {
      found = undefined;
    });
  }
  return found;
}

async function find(options: ActionOptions): Promise<ComposeProgram> {
  for (const candidate of CANDIDATES) {
    const outcome = await runProcess(
      { file: candidate.file, args: [...candidate.prefix, 'version'] },
      { timeoutMs: Math.min(options.timeoutMs, 30_000), signal: options.signal },
    );
    if (outcome.aborted)
      throw new DayshiftError(
        'SERVICE_ACTION_FAILED',
        'looking for Docker Compose was stopped before it finished',
      );
    if (outcome.exitCode === 0) return candidate;
  }
  throw new DayshiftError(
    'SERVICE_ACTION_FAILED',
    'Docker Compose is not installed: neither `docker compose version` nor `docker-compose version` runs',
    {
      hint: 'install the Compose plugin (the docker-compose-plugin package) or docker-compose (`apt-get install docker-compose`), on the PATH of the process that runs Dayshift',
    },
  );
}
