import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** A Slack incoming webhook. */
export const slackNotifier = definePlugin({
  kind: 'slack',
  description: 'a Slack incoming webhook',
  options: z.strictObject({ webhook_url: secretUrl(['https', 'http']), channel: z.string().optional() }),
});
