import { z } from 'zod';
import { timeout } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

/** Pauses the run until an operator approves (`dayshift approve <run>`); it fails after `timeout`. */
export const approveStep = {
  kind: 'approve',
  description: 'pause until an operator approves (dayshift approve <run>)',
  options: z.union([
    z.string().min(1),
    z.strictObject({ message: z.string().min(1), timeout: timeout().optional() }),
  ]),
  references: () => [],
} satisfies StepKindDefinition;
