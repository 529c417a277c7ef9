import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Set a service's replicas. */
export const scaleStep = definePlugin({
  kind: 'scale',
  description: "set a service's replicas",
  options: z.strictObject({ service: z.string().min(1), replicas: z.number().int().min(0) }),
});
