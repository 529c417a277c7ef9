import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

const LENGTHS = ['llen', 'xlen', 'zcard'] as const;

/**
 * Redis PING (redis-cli ping), and optionally the length of a list, stream or sorted set as `value`
 * (a Celery queue is a list) and INFO fields as named values (`connected_clients`).
 */
export const redisCheck = {
  kind: 'redis',
  description:
    'Redis PING; value is the length of a list (llen), stream (xlen) or sorted set (zcard); INFO fields as named values',
  options: z
    .strictObject({
      url: secretUrl(['redis', 'rediss']),
      llen: z.string().min(1).optional(),
      xlen: z.string().min(1).optional(),
      zcard: z.string().min(1).optional(),
      info: z.array(z.string().min(1)).optional(),
    })
    .superRefine((o, ctx) => {
      const used = LENGTHS.filter((k) => o[k] !== undefined);
      if (used.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: [used[1] as string],
          message: `expected one of llen, xlen or zcard, got ${used.join(' and ')}`,
          params: { got: false },
        });
    }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
