import { z } from 'zod';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** PEM certificate files on disk (certs/ beside a proxy). Fields: cert.expires_in (the soonest), cert.issuer. */
export const certFileCheck = {
  kind: 'cert_file',
  description: 'PEM certificate files on disk: the soonest expiry and its issuer',
  options: z.strictObject({ paths: z.array(z.string().min(1)).min(1) }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
