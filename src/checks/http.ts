import { z } from 'zod';
import { secretString } from '../config/secret-schema.js';
import { httpUrl, stringMap } from '../config/values.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** An HTTP(S) request. Fields for conditions: status, latency, body, json.<path>, header.<name>, cert.*. */
export const httpCheck = {
  kind: 'http',
  description: 'an HTTP(S) request: status, body, headers, latency and the certificate',
  options: z.strictObject({
    url: httpUrl(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    headers: stringMap().optional(),
    /** Text as is; a mapping is sent as JSON. */
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    // A 302 to a login page is often the answer to check, so redirects are not followed unless asked.
    follow_redirects: z.boolean().default(false),
    /** Credentials have their own keys so they are kept secret; headers are printed in results. */
    bearer_token: secretString().optional(),
    basic_auth: z.strictObject({ username: z.string(), password: secretString() }).optional(),
    tls: z
      .strictObject({
        verify: z.boolean().default(true),
        ca: z.string().optional().describe('a PEM file of CAs to trust'),
        cert: z.string().optional().describe('a PEM client certificate file'),
        key: z.string().optional().describe('the PEM private key file of the client certificate'),
      })
      .optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
