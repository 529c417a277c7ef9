import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { baseDirOf } from '../monitor/configured-checks.js';
import { Runs } from '../runs/runs.js';
import type { Database } from '../store/schema.js';
import { type Clock, systemClock } from '../util/clock.js';
import { Backups } from './backups.js';
import type { TransferProgress } from './progress.js';

/** The backups of a loaded stack file, with runs recorded in its store. */
export function openBackups(
  config: StackConfig,
  configPath: string,
  db: Kysely<Database>,
  options: { clock?: Clock; logger?: Logger; onProgress?: (p: TransferProgress) => void } = {},
): Backups {
  const clock = options.clock ?? systemClock;
  return new Backups({
    config,
    baseDir: baseDirOf(configPath),
    db,
    runs: new Runs(db, clock),
    clock,
    logger: options.logger,
    onProgress: options.onProgress,
  });
}
