import { z } from 'zod';
import { duration, name, timeout } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = z.union([duration(), z.strictObject({ healthy: name(), timeout: timeout().prefault('5m') })]);

/** Waits a duration, or until a service's checks are healthy (failing the step after `timeout`). */
export const waitStep = {
  kind: 'wait',
  description: "wait a duration, or until a service's checks are healthy",
  options,
  references: (o) => (typeof o === 'number' ? [] : [{ to: 'service', name: o.healthy, at: ['healthy'] }]),
} satisfies StepKindDefinition<z.output<typeof options>>;
