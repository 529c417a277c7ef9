import { z } from 'zod';
import { duration } from '../config/values.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** A push check: a cron job calls its URL when it runs; silence longer than period + grace is a failure. */
export const heartbeatCheck = {
  kind: 'heartbeat',
  description:
    'a push check: the job calls its heartbeat URL; silence longer than period + grace is a failure',
  options: z.strictObject({ period: duration(), grace: duration().prefault('0s') }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
