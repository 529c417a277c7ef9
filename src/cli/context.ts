import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigOrThrow, resolveConfigPath } from '../config/load.js';
import type { StackConfig } from '../config/schema.js';
import { openStore, type Store, type StoreOptions } from '../store/index.js';

/** Options every verb accepts, wherever they were written on the command line. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** The stack file a verb works on: --config, then $DAYSHIFT_CONFIG, then ./dayshift.yaml. */
export function configPathOf(cmd: Command): string {
  return resolveConfigPath(globalOptions(cmd).config);
}

/**
 * Where the store lives: $DAYSHIFT_DATABASE_URL when set, then `store:` in the stack file, otherwise
 * the embedded SQLite file `.dayshift/state.db` beside the stack file.
 */
export function storeOptionsFor(configPath: string, config?: StackConfig): StoreOptions {
  const url = process.env.DAYSHIFT_DATABASE_URL;
  if (url) return { url };
  const dir = path.dirname(configPath);
  if (config?.store && 'url' in config.store) return { url: config.store.url.reveal() };
  if (config?.store && 'sqlite' in config.store)
    return { sqlitePath: path.resolve(dir, config.store.sqlite.path) };
  return { sqlitePath: path.join(dir, '.dayshift', 'state.db') };
}

/** The validated stack file when there is one; verbs that only need the store work without it. */
export function optionalConfig(configPath: string): StackConfig | undefined {
  return existsSync(configPath) ? loadConfigOrThrow(configPath).config : undefined;
}

/** Opens and migrates the store for a one-shot verb; the caller closes it. */
export async function openCliStore(cmd: Command): Promise<Store> {
  const configPath = configPathOf(cmd);
  const store = await openStore(storeOptionsFor(configPath, optionalConfig(configPath)));
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
