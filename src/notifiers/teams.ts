import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** A Microsoft Teams webhook. */
export const teamsNotifier = definePlugin({
  kind: 'teams',
  description: 'a Microsoft Teams webhook',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']) }),
});
