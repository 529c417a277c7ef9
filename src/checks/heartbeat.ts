import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { duration } from '../config/schema-helpers.js';

/** A push check: the job calls its URL; silence longer than period + grace is a failure. */
export const heartbeatCheck = definePlugin({
  kind: 'heartbeat',
  description: 'a push check: the job calls its URL; silence longer than period + grace is a failure',
  options: z.strictObject({ period: duration(), grace: duration().optional() }),
});
