import { z } from 'zod';
import { name } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.strictObject({ service: name(), image: z.string().min(1) });

/** Deploys a service at an image reference, with the gates and verification of its `deploys:` entry. */
export const deployStep = {
  kind: 'deploy',
  description: 'deploy a service at an image, with its deploys: gates and verification',
  options,
  references: (o) => [{ to: 'service', name: o.service, at: ['service'] }],
} satisfies StepKindDefinition<z.output<typeof options>>;
