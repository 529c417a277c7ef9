import { z } from 'zod';
import { secretString, secretUrl } from '../config/secret-schema.js';
import { stringMap } from '../config/values.js';
import type { NotifierKindDefinition } from './registry.js';

/** A JSON POST of the alert, signed with HMAC-SHA256 when `secret` is set. */
export const webhookNotifier = {
  kind: 'webhook',
  description: 'a JSON POST of the alert, signed with HMAC-SHA256 when secret is set',
  options: z.strictObject({
    url: secretUrl(['http', 'https']),
    secret: secretString().optional(),
    headers: stringMap().optional(),
  }),
} satisfies NotifierKindDefinition;
