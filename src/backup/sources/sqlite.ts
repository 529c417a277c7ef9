import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';

/** SQLite's online backup API. */
export const sqliteBackupSource = definePlugin({
  kind: 'sqlite',
  description: "SQLite's online backup API",
  options: z.strictObject({ path: z.string().min(1) }),
});
