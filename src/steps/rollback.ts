import { name } from '../config/values.js';
import type { StepKindDefinition } from './registry.js';

/** Rolls a service back to its last known-good release. */
export const rollbackStep = {
  kind: 'rollback',
  description: 'roll a service back to its last known-good release',
  options: name(),
} satisfies StepKindDefinition;
