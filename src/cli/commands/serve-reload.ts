import { formatIssue } from '../../config/issues.js';
import { loadConfig } from '../../config/load.js';
import { coerceError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { RunningNode } from '../../runtime/node.js';
import type { StoreOptions } from '../../store/index.js';
import { storeOptionsFor } from '../context.js';

/** What `serve` serves now, and the settings a reload cannot change. */
export interface Served {
  configPath: string;
  hash: string;
  store: StoreOptions;
  listen: string | undefined;
}

/**
 * SIGHUP: loads and validates the stack file as a start does, then hands it to the node. A file that
 * does not load is refused with one line naming its first error at file:line:col, and the node keeps
 * serving the file it has, as nginx and Prometheus do. Settings only a start can apply (the store, the
 * listen address) are kept and said so.
 */
export async function reloadStackFile(node: RunningNode, served: Served, logger: Logger): Promise<void> {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(served.configPath);
  } catch (error) {
    // A file that is gone or unreadable: the node still has the one it loaded.
    logger.error(
      { err: error },
      `reload refused, still serving the previous file: ${coerceError(error).message}`,
    );
    return;
  }
  if (!loaded.ok) {
    const [first] = loaded.errors;
    const more = loaded.errors.length - 1;
    // The hint is left out: the line stays one line, and `dayshift validate` gives every error in full.
    const said = first
      ? formatIssue({
          file: first.file,
          line: first.line,
          col: first.col,
          path: first.path,
          message: first.message,
        })
      : 'the file is invalid';
    logger.error(
      {
        errors: loaded.errors.length,
        ...(first ? { file: first.file, line: first.line, col: first.col } : {}),
      },
      `reload refused, still serving the previous file: ${said}${more > 0 ? ` (and ${more} more; run dayshift validate)` : ''}`,
    );
    return;
  }
  for (const w of loaded.warnings) logger.warn({ file: w.file, line: w.line, col: w.col }, w.message);
  const { config, hash } = loaded;
  if (hash === served.hash) {
    // The environment of a running process cannot change, so the same files give the same stack.
    logger.info({ hash }, 'reloaded: the stack file and its .env are unchanged');
    return;
  }
  const store = storeOptionsFor(config);
  if (store.url !== served.store.url || store.sqlitePath !== served.store.sqlitePath)
    logger.warn('the store in the stack file changed; it takes a restart, so this node keeps its store');
  if (config.server?.listen !== served.listen)
    logger.warn('server.listen changed; it takes a restart, so this node keeps its address');
  try {
    const outcome = await node.reload({ config, configPath: served.configPath, hash });
    served.hash = hash;
    logger.info(
      { hash, keptUntilRestart: outcome.keptUntilRestart },
      `reloaded: ${outcome.changes.join('; ') || 'nothing to change'}`,
    );
  } catch (error) {
    logger.error({ err: error }, `reload failed: ${coerceError(error).message}`);
  }
}
