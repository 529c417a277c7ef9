import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Commands you give for each action. */
export const shellDriver = definePlugin({
  kind: 'shell',
  description: 'commands you give for each action',
  options: z.strictObject({
    start: z.string().optional(),
    stop: z.string().optional(),
    restart: z.string().optional(),
    status: z.string().optional(),
    logs: z.string().optional(),
  }),
});
