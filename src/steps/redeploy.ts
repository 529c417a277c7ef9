import { serviceActionStep } from './shared/service-action.js';

/** Recreate a service from its current definition (its recent logs are kept first). */
export const redeployStep = serviceActionStep(
  'redeploy',
  'recreate a service from its current definition (its recent logs are kept first)',
);
