import { serviceActionStep } from './shared/service-action.js';

/** Rebuild a service from its source and start the new build (its recent logs are kept first). */
export const rebuildStep = serviceActionStep(
  'rebuild',
  'rebuild a service from its source and start the new build (its recent logs are kept first)',
);
