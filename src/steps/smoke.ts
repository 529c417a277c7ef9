import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Run a smoke suite. */
export const smokeStep = definePlugin({
  kind: 'smoke',
  description: 'run a smoke suite',
  options: z.string().min(1),
});
