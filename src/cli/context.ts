import type { Command } from 'commander';
import { loadConfigOrThrow, resolveConfigPath } from '../config/load.js';
import type { StackConfig } from '../config/schema.js';
import type { Store, StoreOptions } from '../store/index.js';

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
 * Where the store lives, as the loaded stack file says: $DAYSHIFT_DATABASE_URL, else `store:`, else the
 * embedded SQLite file `.dayshift/state.db` beside the stack file (resolved when the file loads).
 */
export function storeOptionsFor(config: StackConfig): StoreOptions {
  return 'url' in config.store
    ? { url: config.store.url.reveal() }
    : { sqlitePath: config.store.sqlite.path };
}

/** Opens and migrates the store for a one-shot verb; the caller closes it. */
export async function openCliStore(cmd: Command): Promise<Store> {
  return (await openCliStack(cmd)).store;
}

/** The loaded stack file, where it is, and its store opened and migrated; the caller closes the store. */
export async function openCliStack(
  cmd: Command,
): Promise<{ config: StackConfig; configPath: string; store: Store }> {
  const configPath = configPathOf(cmd);
  const { config } = loadConfigOrThrow(configPath);
  // Loaded here, not at the top: verbs that never open the store (validate, schema, env) skip Kysely.
  const { openStore } = await import('../store/index.js');
  const store = await openStore(storeOptionsFor(config));
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return { config, configPath, store };
}
