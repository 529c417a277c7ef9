import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A container's state, health, restart count, CPU % and memory % through the Engine API. */
export const dockerCheck = definePlugin({
  kind: 'docker',
  description: "a container's state, health, restart count, CPU % and memory % through the Engine API",
  options: z.strictObject({ container: z.string().min(1), socket: z.string().optional() }),
});
