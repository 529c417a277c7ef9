import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';

/** A Docker volume. */
export const volumeBackupSource = definePlugin({
  kind: 'volume',
  description: 'a Docker volume',
  options: z.strictObject({ name: z.string().min(1) }),
});
