import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Run checks now and stop the run if one is unhealthy. */
export const checkStep = definePlugin({
  kind: 'check',
  description: 'run checks now and stop the run if one is unhealthy',
  options: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});
