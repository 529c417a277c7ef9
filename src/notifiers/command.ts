import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { duration } from '../config/schema-helpers.js';

/** A program that receives the alert as JSON on stdin. */
export const commandNotifier = definePlugin({
  kind: 'command',
  description: 'a program that receives the alert as JSON on stdin',
  options: z.strictObject({
    run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    timeout: duration().optional(),
  }),
});
