import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A TLS handshake: certificate expiry, issuer, hostname match, chain validity. */
export const tlsCheck = definePlugin({
  kind: 'tls',
  description: 'a TLS handshake: certificate expiry, issuer, hostname match, chain validity',
  options: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(443),
    servername: z.string().optional(),
  }),
});
