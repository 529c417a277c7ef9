import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretString, secretUrl } from '../config/schema-helpers.js';

/** A JSON POST, signed with HMAC-SHA256 when a secret is set. */
export const webhookNotifier = definePlugin({
  kind: 'webhook',
  description: 'a JSON POST, signed with HMAC-SHA256 when a secret is set',
  options: z.strictObject({
    url: secretUrl(['http', 'https']),
    secret: secretString().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
});
