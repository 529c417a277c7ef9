import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Run a program: exit code and stdout, within a time bound. */
export const commandCheck = definePlugin({
  kind: 'command',
  description: 'run a program: exit code and stdout, within a time bound',
  options: z.strictObject({
    run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    user: z.string().optional(),
  }),
});
