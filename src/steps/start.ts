import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Start a service. */
export const startStep = definePlugin({
  kind: 'start',
  description: 'start a service',
  options: z.string().min(1),
});
