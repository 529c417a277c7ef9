import { z } from 'zod';
import { duration, name, timeout } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Waits a duration, or until a service's checks are healthy (failing the step after `timeout`). */
export const waitStep = {
  kind: 'wait',
  description: "wait a duration, or until a service's checks are healthy",
  options: z.union([duration(), z.strictObject({ healthy: name(), timeout: timeout().prefault('5m') })]),
} satisfies StepKindDefinition;
