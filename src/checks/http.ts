import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { httpUrl } from '../config/schema-helpers.js';

/** An HTTP(S) request: status, body, headers, timings. */
export const httpCheck = definePlugin({
  kind: 'http',
  description: 'an HTTP(S) request: status, body, headers, timings',
  options: z.strictObject({
    url: httpUrl(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    follow_redirects: z.boolean().default(false),
    tls: z
      .strictObject({
        verify: z.boolean().default(true),
        ca: z.string().optional(),
        cert: z.string().optional(),
        key: z.string().optional(),
      })
      .optional(),
  }),
});
