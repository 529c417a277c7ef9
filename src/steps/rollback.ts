import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Rolls a service back to its last known-good release. */
export const rollbackStep = {
  kind: 'rollback',
  description: 'roll a service back to its last known-good release',
  options: name(),
  references: (service) => [{ to: 'service', name: service, at: [] }],
} satisfies StepKindDefinition<string>;
