import { z } from 'zod';
import { secretString } from '../config/secret-schema.js';
import { httpUrl } from '../config/values.js';
import type { NotifierKindDefinition } from './registry.js';

/** An ntfy topic, on ntfy.sh or a server of your own. */
export const ntfyNotifier = {
  kind: 'ntfy',
  description: 'an ntfy topic, on ntfy.sh or your own server',
  options: z.strictObject({
    url: httpUrl().default('https://ntfy.sh'),
    topic: z.string().min(1),
    token: secretString().optional(),
    priority: z.number().int().min(1).max(5).optional(),
  }),
} satisfies NotifierKindDefinition;
