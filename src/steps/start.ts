import { serviceActionStep } from './shared/service-action.js';

/** Start a service through its driver. */
export const startStep = serviceActionStep('start', 'start a service through its driver');
