import { alertsFeature } from '../alerts/feature.js';
import { backupsFeature } from '../backup/feature.js';
import { deploysFeature } from '../deploys/feature.js';
import type { FeatureDefinition } from '../features/types.js';
import { historyFeature } from '../history/feature.js';
import { incidentsFeature } from '../incidents/feature.js';
import { monitorFeature } from '../monitor/feature.js';
import { runbooksFeature } from '../runbooks/feature.js';
import { servicesFeature } from '../services/feature.js';
import { statusPageFeature } from '../status-page/feature.js';

/**
 * The features every node runs, in the order they open and start; they stop in the reverse order. A
 * feature comes after those it uses (alerts after the monitor, whose state changes it follows, and
 * after runbooks, which it asks to start remediations).
 * Adding a feature is one line here.
 */
export const FEATURES: readonly FeatureDefinition<unknown>[] = [
  monitorFeature,
  historyFeature,
  runbooksFeature,
  alertsFeature,
  backupsFeature,
  servicesFeature,
  deploysFeature,
  incidentsFeature,
  statusPageFeature,
];
