import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Stop a service. */
export const stopStep = definePlugin({
  kind: 'stop',
  description: 'stop a service',
  options: z.string().min(1),
});
