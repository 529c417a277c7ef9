import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';
import { secretUrl } from '../../config/schema-helpers.js';

/** Pg_dump in custom format, restored with pg_restore. */
export const postgresBackupSource = definePlugin({
  kind: 'postgres',
  description: 'pg_dump in custom format, restored with pg_restore',
  options: z.strictObject({
    url: secretUrl(['postgres', 'postgresql']),
    schemas: z.array(z.string()).optional(),
  }),
});
