import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A Docker container through the Engine API. */
export const dockerDriver = definePlugin({
  kind: 'docker',
  description: 'a Docker container through the Engine API',
  options: z.strictObject({ container: z.string().optional(), socket: z.string().optional() }),
});
