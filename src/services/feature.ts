import { Releases } from '../deploys/releases.js';
import type { FeatureDefinition } from '../features/types.js';
import { Runs } from '../runs/runs.js';
import { serviceRoutes } from './routes.js';

/**
 * Service control over HTTP: the services API, acting through each service's driver in this node's
 * process, each change recorded as a run. It keeps the stack file it was last given, so a reload's drivers act at once; stopping the
 * node stops the actions still running.
 */
export const servicesFeature: FeatureDefinition = {
  name: 'services',
  open({ stack, store, clock }) {
    if (!stack) return undefined;
    let current = { config: stack.config, baseDir: stack.baseDir };
    // A node that stops stops the actions it is running (their programs' groups with them).
    const stopping = new AbortController();
    const runs = new Runs(store.db, clock);
    return {
      routes: (app) =>
        serviceRoutes(app, {
          current: () => current,
          signal: stopping.signal,
          runs,
          clock,
          releases: new Releases(store.db, clock),
        }),
      stop() {
        stopping.abort(new Error('the node is stopping'));
      },
      reload(next) {
        current = { config: next.config, baseDir: next.baseDir };
        return undefined;
      },
    };
  },
};
