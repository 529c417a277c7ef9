import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore, type Store } from '../store/index.js';

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
  const chosen = globalOptions(cmd).config ?? process.env.DAYSHIFT_CONFIG ?? 'dayshift.yaml';
  return path.resolve(chosen);
}

/**
 * Where the store lives: $DAYSHIFT_DATABASE_URL when set, otherwise the embedded SQLite file
 * `.dayshift/state.db` beside the stack file.
 */
export function storeOptionsFor(configPath: string): { url?: string; sqlitePath?: string } {
  const url = process.env.DAYSHIFT_DATABASE_URL;
  if (url) return { url };
  return { sqlitePath: path.join(path.dirname(configPath), '.dayshift', 'state.db') };
}

/** Opens and migrates the store for a one-shot verb; the caller closes it. */
export async function openCliStore(cmd: Command): Promise<Store> {
  const configPath = configPathOf(cmd);
  const store = await openStore(storeOptionsFor(configPath));
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export function configExists(cmd: Command): boolean {
  return existsSync(configPathOf(cmd));
}
