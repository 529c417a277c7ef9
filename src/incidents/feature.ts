import type { FeatureDefinition } from '../features/types.js';
import { Incidents } from './incidents.js';
import { incidentMessageKind } from './notify-job.js';
import { incidentRoutes } from './routes.js';

/**
 * Incidents: the incidents of the stack, their timelines, response deadlines and escalation, and
 * on-call. Listed after alerts, runbooks and deploys, whose alerts and runs its timelines follow.
 */
export const incidentsFeature: FeatureDefinition<Incidents> = {
  name: 'incidents',
  open(context) {
    const { stack, store, queue, clock } = context;
    if (!stack) return undefined;
    const incidents = new Incidents({ store, queue, clock, config: stack.config });
    // Read by each message as it is sent, so a reload's notifiers apply to the next one.
    const messages = { db: store.db, config: stack.config, baseDir: stack.baseDir, clock };
    return {
      api: incidents,
      jobKinds: [incidentMessageKind(messages)],
      routes: (app) => incidentRoutes(app, { incidents }),
      reload(next) {
        incidents.config = next.config;
        messages.config = next.config;
        return undefined;
      },
    };
  },
};
