import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import type { NotifierKindDefinition } from './registry.js';

const address = () => z.string().regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address');

/** Email over SMTP: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://` (TLS from the start). */
export const emailNotifier = {
  kind: 'email',
  description: 'email over SMTP; smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start',
  options: z.strictObject({
    smtp: secretUrl(['smtp', 'smtps']),
    from: address(),
    to: z.array(address()).min(1),
    subject_prefix: z.string().optional(),
  }),
} satisfies NotifierKindDefinition;
