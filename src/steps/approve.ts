import { z } from 'zod';
import { name, timeout } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const DEFAULT_TIMEOUT_MS = 3_600_000;

const options = z.union([
  z.string().min(1),
  z.strictObject({
    message: z.string().min(1),
    approvers: z.array(name()).min(1).optional().describe('who may approve: token or user names'),
    timeout: timeout().optional(),
  }),
]);

/**
 * Pauses the run (`waiting`) until an operator approves (`dayshift approve <run>`), or someone it
 * names; it fails the run after `timeout` (1h by default). The approver and the time are recorded.
 */
export const approveStep = {
  kind: 'approve',
  description: 'pause until an operator approves (dayshift approve <run>); the run fails after timeout',
  options,
  references: () => [],
  pause: (o) =>
    typeof o === 'string'
      ? { message: o, timeoutMs: DEFAULT_TIMEOUT_MS }
      : { message: o.message, approvers: o.approvers, timeoutMs: o.timeout ?? DEFAULT_TIMEOUT_MS },
} satisfies StepKindDefinition<z.output<typeof options>>;
