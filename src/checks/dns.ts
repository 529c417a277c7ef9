import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A DNS lookup. */
export const dnsCheck = definePlugin({
  kind: 'dns',
  description: 'a DNS lookup',
  options: z.strictObject({
    name: z.string().min(1),
    type: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).default('A'),
    server: z.string().optional(),
  }),
});
