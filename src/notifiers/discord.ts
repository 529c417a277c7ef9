import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** A Discord webhook. */
export const discordNotifier = definePlugin({
  kind: 'discord',
  description: 'a Discord webhook',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']) }),
});
