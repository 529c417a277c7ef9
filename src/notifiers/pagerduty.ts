import { z } from 'zod';
import { secretString } from '../config/secret-schema.js';
import { httpUrl } from '../config/values.js';
import type { NotifierKindDefinition } from './registry.js';

/** PagerDuty Events API v2: alerts trigger and resolve incidents, deduplicated by alert. */
export const pagerdutyNotifier = {
  kind: 'pagerduty',
  description: 'PagerDuty Events API v2: triggers and resolves incidents, deduplicated by alert',
  options: z.strictObject({
    routing_key: secretString(),
    /** Another Events API endpoint (a proxy, a test server). */
    url: httpUrl().default('https://events.pagerduty.com/v2/enqueue'),
  }),
} satisfies NotifierKindDefinition;
