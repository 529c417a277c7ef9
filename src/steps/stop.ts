import { name } from '../config/values.js';
import type { StepKindDefinition } from './registry.js';

/** Stop a service through its driver. */
export const stopStep = {
  kind: 'stop',
  description: 'stop a service through its driver',
  options: name(),
} satisfies StepKindDefinition;
