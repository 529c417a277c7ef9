import { name } from '../config/values.js';
import type { StepKindDefinition } from './registry.js';

/** Start a service through its driver. */
export const startStep = {
  kind: 'start',
  description: 'start a service through its driver',
  options: name(),
} satisfies StepKindDefinition;
