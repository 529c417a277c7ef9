import type { FeatureDefinition } from '../features/types.js';
import { historyMaintenanceJobKind, historyMaintenanceSchedule } from './maintenance-job.js';

/** Check history: the `history.maintain` job, every minute, that rolls samples up and applies retention. */
export const historyFeature: FeatureDefinition = {
  name: 'history',
  open({ stack, store, clock }) {
    if (!stack) return undefined;
    return {
      jobKinds: [historyMaintenanceJobKind({ store, clock, retention: stack.config.history })],
      schedules: [historyMaintenanceSchedule],
    };
  },
};
