import { alertsFeature } from '../alerts/feature.js';
import type { FeatureDefinition } from '../features/types.js';
import { deadlineJobKind } from './deadline-job.js';
import type { OnCallLookup } from './escalation.js';
import { Incidents } from './incidents.js';
import { incidentSeries } from './metrics.js';
import { incidentMessageKind } from './notify-job.js';
import { OnCall } from './oncall.js';
import { oncallRoutes } from './oncall-routes.js';
import { incidentRoutes } from './routes.js';
import { TimelineLinks } from './timeline-links.js';

/** Alert engine steps after which the timeline links pass at once rather than at their next tick. */
const LINKED_STEPS = ['open', 'fire', 'announce', 'resolve'];

/**
 * Incidents: the incidents of the stack, their timelines, response deadlines and escalation, and
 * on-call. Listed after alerts, runbooks and deploys, whose alerts and runs its timelines follow.
 */
export const incidentsFeature: FeatureDefinition<Incidents> = {
  name: 'incidents',
  open(context) {
    const { stack, store, queue, clock, logger } = context;
    if (!stack) return undefined;
    const incidents = new Incidents({ store, queue, clock, config: stack.config });
    // Read by each message as it is sent, so a reload's notifiers apply to the next one.
    const messages = { db: store.db, config: stack.config, baseDir: stack.baseDir, clock };
    const links = new TimelineLinks(incidents, logger.child({ component: 'incidents' }));
    // An alert that fired or resolved reaches its incident at once; the links' own timer covers the rest.
    const engine = context.use(alertsFeature)?.engine;
    const onAlertPass = (outcome: { steps: Record<string, number> }) => {
      if (LINKED_STEPS.some((step) => outcome.steps[step])) links.poke();
    };
    const oncall = new OnCall(store.db, stack.config);
    // A rotation a reload removed has nobody on call, rather than failing the escalation step.
    const onCall: OnCallLookup = async (rotation, at) =>
      oncall.rotations().includes(rotation) ? (await oncall.now(rotation, at)).person : undefined;
    return {
      api: incidents,
      // Deadlines run on the durable queue with the node's clock: they outlive restarts, and the job's
      // lease runs each on one node at a time while its version check makes the escalation happen once.
      jobKinds: [
        incidentMessageKind(messages),
        deadlineJobKind({ store, queue, clock, config: () => incidents.config, onCall }),
      ],
      routes: async (app) => {
        await incidentRoutes(app, { incidents });
        await oncallRoutes(app, { oncall, clock });
      },
      metrics: () => incidentSeries({ db: store.db, clock, config: () => incidents.config }),
      reload(next) {
        incidents.config = next.config;
        messages.config = next.config;
        oncall.reload(next.config);
        return undefined;
      },
      start() {
        engine?.on('idle', onAlertPass);
        links.start();
      },
      async stop() {
        engine?.off('idle', onAlertPass);
        await links.stop();
      },
    };
  },
};
