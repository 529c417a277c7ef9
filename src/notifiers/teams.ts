import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import type { NotifierKindDefinition } from './registry.js';

/** A Microsoft Teams incoming webhook or workflow URL (the URL is the credential). */
export const teamsNotifier = {
  kind: 'teams',
  description: 'a Microsoft Teams incoming webhook or workflow URL',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']) }),
} satisfies NotifierKindDefinition;
