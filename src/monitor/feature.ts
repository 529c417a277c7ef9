import type { FeatureDefinition } from '../features/types.js';
import { describeCheckChanges } from './check-changes.js';
import { addCheckMetrics } from './metrics.js';
import { Monitor } from './monitor.js';
import { pingRoutes } from './ping-routes.js';
import { checkRoutes } from './routes.js';

/**
 * Running checks: this node's share of the stack file's checks on its timer, the checks API, the
 * heartbeat URLs and the per-check series of `/metrics`. Exposes its `Monitor` to later features.
 */
export const monitorFeature: FeatureDefinition<Monitor> = {
  name: 'monitor',
  open({ stack, store, clock, nodeId, logger }) {
    if (!stack) return undefined;
    const monitor = new Monitor({
      store,
      config: stack.config,
      baseDir: stack.baseDir,
      clock,
      nodeId,
      logger: logger.child({ component: 'checks' }),
      configHash: stack.hash,
    });
    return {
      api: monitor,
      routes: (app) => checkRoutes(app, { store, monitor, clock, retention: stack.config.history }),
      rootRoutes: (app) => pingRoutes(app, { monitor }),
      metrics: (registry) => addCheckMetrics(registry, store.db, monitor),
      async start() {
        await monitor.start();
        logger.info({ checks: monitor.checks.length, held: monitor.held.size }, 'checks scheduled');
      },
      reload: async (next) => describeCheckChanges(await monitor.reload(next.config, next.hash)),
      // Writes what it buffered and leaves the nodes table, so other nodes take its checks at once.
      stop: () => monitor.stop(),
    };
  },
};
