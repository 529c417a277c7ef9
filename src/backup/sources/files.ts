import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';

/** Directories and files, with modes, owners, mtimes and symlinks. */
export const filesBackupSource = definePlugin({
  kind: 'files',
  description: 'directories and files, with modes, owners, mtimes and symlinks',
  options: z.strictObject({
    paths: z.array(z.string().min(1)).min(1),
    exclude: z.array(z.string()).optional(),
  }),
});
