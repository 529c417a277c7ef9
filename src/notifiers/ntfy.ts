import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretString } from '../config/schema-helpers.js';

/** An ntfy topic. */
export const ntfyNotifier = definePlugin({
  kind: 'ntfy',
  description: 'an ntfy topic',
  options: z.strictObject({
    url: z.string().default('https://ntfy.sh'),
    topic: z.string().min(1),
    token: secretString().optional(),
    priority: z.number().int().min(1).max(5).optional(),
  }),
});
