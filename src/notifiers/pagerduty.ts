import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretString } from '../config/schema-helpers.js';

/** PagerDuty Events API v2. */
export const pagerdutyNotifier = definePlugin({
  kind: 'pagerduty',
  description: 'PagerDuty Events API v2',
  options: z.strictObject({ routing_key: secretString(), url: z.string().optional() }),
});
