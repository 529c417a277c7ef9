import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { duration } from '../config/schema-helpers.js';

/** Wait for a duration, or until a service is healthy. */
export const waitStep = definePlugin({
  kind: 'wait',
  description: 'wait for a duration, or until a service is healthy',
  options: z.union([
    duration(),
    z.strictObject({ healthy: z.string().min(1), timeout: duration().optional() }),
  ]),
});
