import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { duration } from '../config/schema-helpers.js';

/** Capture a service's recent logs as evidence. */
export const logsStep = definePlugin({
  kind: 'logs',
  description: "capture a service's recent logs as evidence",
  options: z.union([
    z.string().min(1),
    z.strictObject({
      service: z.string().min(1),
      since: duration().optional(),
      tail: z.number().int().positive().optional(),
    }),
  ]),
});
