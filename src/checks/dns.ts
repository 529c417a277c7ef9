import { z } from 'zod';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** A DNS lookup. Fields: value (the first answer), values answers and rcode, latency. */
export const dnsCheck = {
  kind: 'dns',
  description: 'a DNS lookup: the answers and the response code',
  options: z.strictObject({
    name: z.string().min(1),
    type: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).default('A'),
    /** A resolver as ip or ip:port; the system's resolver when omitted. */
    server: z.string().optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
