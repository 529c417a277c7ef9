import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** Email over SMTP. */
export const emailNotifier = definePlugin({
  kind: 'email',
  description: 'email over SMTP',
  options: z.strictObject({
    smtp: secretUrl(['smtp', 'smtps']),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    starttls: z.boolean().default(true),
  }),
});
