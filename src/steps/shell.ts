import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Run a command. */
export const shellStep = definePlugin({
  kind: 'shell',
  description: 'run a command',
  options: z.union([
    z.string().min(1),
    z.strictObject({
      run: z.union([z.string().min(1), z.array(z.string())]),
      cwd: z.string().optional(),
      env: z.record(z.string(), z.string()).optional(),
    }),
  ]),
});
