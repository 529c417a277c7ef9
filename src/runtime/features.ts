import { alertsFeature } from '../alerts/feature.js';
import { backupsFeature } from '../backup/feature.js';
import type { FeatureDefinition } from '../features/types.js';
import { historyFeature } from '../history/feature.js';
import { monitorFeature } from '../monitor/feature.js';
import { servicesFeature } from '../services/feature.js';

/**
 * The features every node runs, in the order they open and start; they stop in the reverse order. A
 * feature comes after those it uses (alerts after the monitor, whose state changes it follows).
 * Adding a feature is one line here.
 */
export const FEATURES: readonly FeatureDefinition<unknown>[] = [
  monitorFeature,
  historyFeature,
  alertsFeature,
  backupsFeature,
  servicesFeature,
];
