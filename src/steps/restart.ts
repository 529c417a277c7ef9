import { name } from '../config/values.js';
import type { StepKindDefinition } from './registry.js';

/** Restart a service through its driver. */
export const restartStep = {
  kind: 'restart',
  description: 'restart a service through its driver',
  options: name(),
} satisfies StepKindDefinition;
