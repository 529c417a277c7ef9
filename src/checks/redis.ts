import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** Redis PING, the length of a list/stream/sorted set as value, or INFO fields. */
export const redisCheck = definePlugin({
  kind: 'redis',
  description: 'Redis PING, the length of a list/stream/sorted set as value, or INFO fields',
  options: z
    .strictObject({
      url: secretUrl(['redis', 'rediss']),
      llen: z.string().optional(),
      xlen: z.string().optional(),
      zcard: z.string().optional(),
      info: z.array(z.string()).optional(),
    })
    .refine((o) => [o.llen, o.xlen, o.zcard].filter((k) => k !== undefined).length <= 1, {
      message: 'use at most one of llen, xlen, zcard',
    }),
});
