import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Start a service through its driver. */
export const startStep = {
  kind: 'start',
  description: 'start a service through its driver',
  options: name(),
  references: (service) => [{ to: 'service', name: service, at: [] }],
  actions: (service) => [{ service, action: 'start', at: [] }],
} satisfies StepKindDefinition<string>;
