import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Stop a service through its driver. */
export const stopStep = {
  kind: 'stop',
  description: 'stop a service through its driver',
  options: name(),
  references: (service) => [{ to: 'service', name: service, at: [] }],
  actions: (service) => [{ service, action: 'stop', at: [] }],
} satisfies StepKindDefinition<string>;
