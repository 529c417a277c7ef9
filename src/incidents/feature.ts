import type { FeatureDefinition } from '../features/types.js';
import { Incidents } from './incidents.js';

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
    return {
      api: incidents,
      reload(next) {
        incidents.config = next.config;
        return undefined;
      },
    };
  },
};
