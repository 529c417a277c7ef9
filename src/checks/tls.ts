import { z } from 'zod';
import { port } from '../config/values.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** A TLS handshake. Fields: cert.expires_in, cert.issuer, connected, latency. */
export const tlsCheck = {
  kind: 'tls',
  description: 'a TLS handshake: certificate expiry and issuer, hostname match, chain validity',
  options: z.strictObject({
    host: z.string().min(1),
    port: port().default(443),
    /** The SNI name and the name the certificate must match, when it differs from host. */
    servername: z.string().optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
