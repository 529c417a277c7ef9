import { serviceActionStep } from './shared/service-action.js';

/** Restart a service through its driver (its recent logs are kept first). */
export const restartStep = serviceActionStep(
  'restart',
  'restart a service through its driver (its recent logs are kept first)',
);
