import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDotenv } from '../config/dotenv.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { judgeVariable, type RuleResult } from './rules.js';

/** Where the values came from: a `.env` file, or the environment of this process. */
export type EnvSource = { kind: 'file'; path: string } | { kind: 'process' };

export interface EnvReport {
  source: EnvSource;
  ok: boolean;
  results: RuleResult[];
}

/**
 * Which values to check: `--process`, else `--file`, else the contract's `file:` (relative to the stack
 * file) when it exists, else the process environment. A file named explicitly must exist.
 */
export function chooseSource(
  config: StackConfig,
  configDir: string,
  options: { file?: string; process?: boolean },
): EnvSource {
  if (options.process) return { kind: 'process' };
  if (options.file) {
    const file = path.resolve(options.file);
    if (!existsSync(file))
      throw new DayshiftError('CONFIG_NOT_FOUND', `no .env file at ${file}`, {
        hint: 'pass an existing file, or --process to check the environment of this process',
      });
    return { kind: 'file', path: file };
  }
  const file = path.resolve(configDir, config.env?.file ?? '.env');
  return existsSync(file) ? { kind: 'file', path: file } : { kind: 'process' };
}

/** Judges every variable of the contract, in file order. */
export function checkEnv(
  config: StackConfig,
  source: EnvSource,
  processEnv: NodeJS.ProcessEnv = process.env,
): EnvReport {
  const values: Record<string, string | undefined> =
    source.kind === 'file' ? parseDotenv(readFileSync(source.path, 'utf8')) : processEnv;
  const results: RuleResult[] = [];
  for (const [name, rules] of Object.entries(config.env?.vars ?? {}))
    results.push(...judgeVariable(name, rules, values[name]));
  return { source, ok: results.every((r) => r.ok), results };
}
