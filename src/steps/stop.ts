import { serviceActionStep } from './shared/service-action.js';

/** Stop a service through its driver (its recent logs are kept first). */
export const stopStep = serviceActionStep(
  'stop',
  'stop a service through its driver (its recent logs are kept first)',
);
