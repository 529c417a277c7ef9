import { existsSync } from 'node:fs';
import path from 'node:path';
import { DayshiftError } from '../errors.js';

/**
 * The stack file a command works on: --config, then $DAYSHIFT_CONFIG, then ./dayshift.yaml.
 * A file that is not there is CONFIG_NOT_FOUND, saying how to get one.
 */
export function resolveConfigPath(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = option ?? env.DAYSHIFT_CONFIG ?? 'dayshift.yaml';
  const absolute = path.resolve(chosen);
  if (!existsSync(absolute)) {
    const from = option ? '--config' : env.DAYSHIFT_CONFIG ? '$DAYSHIFT_CONFIG' : 'the default';
    throw new DayshiftError('CONFIG_NOT_FOUND', `no stack file at ${chosen} (${from})`, {
      hint: 'write one with `dayshift init` (from the Compose file here, if any), or pass --config <file> or set DAYSHIFT_CONFIG',
    });
  }
  return absolute;
}
