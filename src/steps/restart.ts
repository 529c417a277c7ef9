import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Restart a service through its driver. */
export const restartStep = definePlugin({
  kind: 'restart',
  description: 'restart a service through its driver',
  options: z.string().min(1),
});
