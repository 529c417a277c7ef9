import { z } from 'zod';
import { secretUrl } from '../../config/secret-schema.js';
import type { BackupSourceDefinition } from './registry.js';

/** pg_dump in custom format, restored with pg_restore; a drill restores into a scratch database it creates. */
export const postgresBackupSource = {
  kind: 'postgres',
  description: 'pg_dump in custom format, restored with pg_restore',
  options: z.strictObject({
    url: secretUrl(['postgres', 'postgresql']),
    /** Only these schemas; all when omitted. */
    schemas: z.array(z.string().min(1)).optional(),
  }),
  /** The server a drill creates its scratch database on (and drops it after). */
  target: z.strictObject({ url: secretUrl(['postgres', 'postgresql']) }),
} satisfies BackupSourceDefinition;
