import { accessSync, constants } from 'node:fs';
import path from 'node:path';
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
    // The standalone program is a Python start of a second or more: found on the PATH, it is taken
    // without running it (should it not work, the action that runs it says how).
    if (!candidate.plugin) {
      if (onPath(candidate.file)) return candidate;
      continue;
    }
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
    'Docker Compose is not installed: `docker compose version` does not run and there is no `docker-compose` on the PATH',
    {
      hint: 'install the Compose plugin (the docker-compose-plugin package) or docker-compose (`apt-get install docker-compose`), on the PATH of the process that runs Dayshift',
    },
  );
}

/** Whether an executable of this name is in one of the PATH's folders. */
function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}
