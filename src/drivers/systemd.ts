import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A systemd unit. */
export const systemdDriver = definePlugin({
  kind: 'systemd',
  description: 'a systemd unit',
  options: z.strictObject({ unit: z.string().optional(), user: z.boolean().default(false) }),
});
