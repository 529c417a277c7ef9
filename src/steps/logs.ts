import { z } from 'zod';
import { name, span } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([
  name(),
  z.strictObject({
    service: name(),
    since: span().optional(),
    tail: z.number().int().positive().optional(),
  }),
]);

/** Captures a service's recent logs into the run's evidence (preserve logs before a restart). */
export const logsStep = {
  kind: 'logs',
  description: "capture a service's recent logs as evidence of the run",
  options,
  references: (o) =>
    typeof o === 'string'
      ? [{ to: 'service', name: o, at: [] }]
      : [{ to: 'service', name: o.service, at: ['service'] }],
  actions: (o) =>
    typeof o === 'string'
      ? [{ service: o, action: 'logs', at: [] }]
      : [{ service: o.service, action: 'logs', at: ['service'] }],
} satisfies StepKindDefinition<z.output<typeof options>>;
