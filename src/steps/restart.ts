import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Restart a service through its driver. */
export const restartStep = {
  kind: 'restart',
  description: 'restart a service through its driver',
  options: name(),
  references: (service) => [{ to: 'service', name: service, at: [] }],
  actions: (service) => [{ service, action: 'restart', at: [] }],
} satisfies StepKindDefinition<string>;
