import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Deploy a service at an image. */
export const deployStep = definePlugin({
  kind: 'deploy',
  description: 'deploy a service at an image',
  options: z.strictObject({ service: z.string().min(1), image: z.string().min(1) }),
});
