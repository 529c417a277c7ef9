import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Run a backup now. */
export const backupStep = definePlugin({
  kind: 'backup',
  description: 'run a backup now',
  options: z.string().min(1),
});
