import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { duration } from '../config/schema-helpers.js';

/** Pause until an operator approves. */
export const approveStep = definePlugin({
  kind: 'approve',
  description: 'pause until an operator approves',
  options: z.union([z.string(), z.strictObject({ message: z.string(), timeout: duration().optional() })]),
});
