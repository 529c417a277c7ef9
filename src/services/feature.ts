import type { FeatureDefinition } from '../features/types.js';
import { serviceRoutes } from './routes.js';

/**
 * Service control over HTTP: the services API, acting through each service's driver in this node's
 * process. It keeps the stack file it was last given, so a reload's drivers act at once.
 */
export const servicesFeature: FeatureDefinition = {
  name: 'services',
  open({ stack }) {
    if (!stack) return undefined;
    let current = { config: stack.config, baseDir: stack.baseDir };
    return {
      routes: (app) => serviceRoutes(app, { current: () => current }),
      reload(next) {
        current = { config: next.config, baseDir: next.baseDir };
        return undefined;
      },
    };
  },
};
