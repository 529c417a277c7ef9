import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Docker Compose: the service of the same name. */
export const composeDriver = definePlugin({
  kind: 'compose',
  description: 'Docker Compose: the service of the same name',
  options: z.strictObject({
    project_dir: z.string().default('.'),
    files: z.array(z.string()).optional(),
    project_name: z.string().optional(),
    service: z.string().optional(),
  }),
});
