import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import type { NotifierKindDefinition } from './registry.js';

/** A Discord webhook (the URL is the credential). */
export const discordNotifier = {
  kind: 'discord',
  description: 'a Discord webhook',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']) }),
} satisfies NotifierKindDefinition;
