import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** PEM certificate files on disk: expiry and issuer. */
export const certFileCheck = definePlugin({
  kind: 'cert_file',
  description: 'PEM certificate files on disk: expiry and issuer',
  options: z.strictObject({ paths: z.array(z.string()).min(1) }),
});
