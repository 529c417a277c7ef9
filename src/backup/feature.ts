import type { FeatureDefinition } from '../features/types.js';
import type { Backups } from './backups.js';
import { backupJobKinds, backupSchedules, settleStoppedBackupRuns } from './jobs.js';
import { backupSeries } from './metrics.js';
import { openBackups } from './open.js';
import { backupRoutes } from './routes.js';

/**
 * Backups: the backup, drill, verify and restore jobs and their schedules, the backups API, and the
 * per-backup series of `/metrics`. On start it settles the runs that stopped while open.
 */
export const backupsFeature: FeatureDefinition<Backups> = {
  name: 'backups',
  open({ stack, store, queue, clock, logger }) {
    if (!stack) return undefined;
    const backups = openBackups(stack.config, stack.configPath, store.db, {
      clock,
      logger: logger.child({ component: 'backups' }),
    });
    return {
      api: backups,
      jobKinds: backupJobKinds(backups),
      schedules: backupSchedules(backups),
      routes: (app) => backupRoutes(app, { backups, queue }),
      metrics: () => backupSeries(backups),
      async start() {
        // A repository that cannot be read now is no reason not to serve; the next start tries again.
        await settleStoppedBackupRuns(queue, backups, logger).catch((error: unknown) =>
          logger.warn({ err: error }, 'could not settle the runs of stopped backups'),
        );
      },
    };
  },
};
