import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';
import { secretString } from '../../config/schema-helpers.js';

/** A restic repository on any restic backend. */
export const resticRepository = definePlugin({
  kind: 'restic',
  description: 'a restic repository on any restic backend',
  options: z.strictObject({
    repository: z.string().min(1),
    password: secretString(),
    env: z.record(z.string(), secretString()).optional(),
  }),
});
