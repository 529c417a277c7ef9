import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import type { NotifierKindDefinition } from './registry.js';

/** A Slack incoming webhook (the URL is the credential). */
export const slackNotifier = {
  kind: 'slack',
  description: 'a Slack incoming webhook',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']), channel: z.string().optional() }),
} satisfies NotifierKindDefinition;
