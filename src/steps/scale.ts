import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.strictObject({ service: name(), replicas: z.number().int().min(0) });

/** Sets a service's replica count (`docker compose up -d --scale worker=3`). */
export const scaleStep = {
  kind: 'scale',
  description: "set a service's number of replicas",
  options,
  references: (o) => [{ to: 'service', name: o.service, at: ['service'] }],
  actions: (o) => [{ service: o.service, action: 'scale', at: ['service'] }],
} satisfies StepKindDefinition<z.output<typeof options>>;
