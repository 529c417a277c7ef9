import type { Command } from 'commander';
import { loadConfigOrThrow, resolveConfigPath } from '../config/load.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
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

/**
 * Aborts on the first SIGINT or SIGTERM while `work` runs, so a verb's long work (a dump, a restore,
 * a drill) stops the programs it runs and records why, instead of the process dying around them: those
 * programs sit in process groups of their own, where a terminal's Ctrl-C does not reach. A second
 * signal ends the process at once, with the shell's code for it (128 + the signal's number).
 */
export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
    process.stderr.write(`${name}: stopping; send it again to end at once\n`);
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * A record's id as typed (`12` or `#12`): a whole number, else BAD_REQUEST saying it is not `what`
 * id (`an incident`), with `hint` (how to list them).
 */
export function idOf(text: string, what: string, hint = 'ids are whole numbers, e.g. 12'): number {
  const id = Number(text.replace(/^#/, ''));
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new DayshiftError('BAD_REQUEST', `"${text}" is not ${what} id`, { hint });
  return id;
}
