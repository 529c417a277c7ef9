import type { FeatureDefinition } from '../features/types.js';
import { historyCompactionJobKind, historyCompactionSchedule } from './compaction-job.js';

/** Check history: the `history.compact` job, every minute, that rolls samples up and applies retention. */
export const historyFeature: FeatureDefinition = {
  name: 'history',
  open({ stack, store, clock }) {
    if (!stack) return undefined;
    return {
      jobKinds: [historyCompactionJobKind({ store, clock, retention: stack.config.history })],
      schedules: [historyCompactionSchedule],
    };
  },
};
