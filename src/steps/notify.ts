import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Send a message to notifiers. */
export const notifyStep = definePlugin({
  kind: 'notify',
  description: 'send a message to notifiers',
  options: z.strictObject({ to: z.array(z.string().min(1)).min(1), message: z.string().min(1) }),
});
