import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** Restore a backup's snapshot; over the live original only with force. */
export const restoreStep = definePlugin({
  kind: 'restore',
  description: "restore a backup's snapshot (latest by default); over the live original only with force",
  options: z.union([
    z.string().min(1),
    z.strictObject({
      backup: z.string().min(1),
      snapshot: z.string().default('latest'),
      force: z.boolean().default(false),
    }),
  ]),
});
