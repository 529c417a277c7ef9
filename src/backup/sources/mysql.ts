import { z } from 'zod';
import { secretUrl } from '../../config/secret-schema.js';
import type { BackupSourceDefinition } from './registry.js';

/** mariadb-dump/mysqldump --single-transaction; a drill restores into a scratch database it creates. */
export const mysqlBackupSource = {
  kind: 'mysql',
  description: 'mariadb-dump or mysqldump --single-transaction',
  options: z.strictObject({
    url: secretUrl(['mysql', 'mariadb']),
    /** Only these databases; the URL's database when omitted. */
    databases: z.array(z.string().min(1)).optional(),
  }),
  target: z.strictObject({ url: secretUrl(['mysql', 'mariadb']) }),
} satisfies BackupSourceDefinition;
