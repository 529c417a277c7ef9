import { z } from 'zod';
import { definePlugin } from '../../config/plugin.js';
import { secretUrl } from '../../config/schema-helpers.js';

/** Mariadb-dump/mysqldump --single-transaction. */
export const mysqlBackupSource = definePlugin({
  kind: 'mysql',
  description: 'mariadb-dump/mysqldump --single-transaction',
  options: z.strictObject({
    url: secretUrl(['mysql', 'mariadb']),
    databases: z.array(z.string()).optional(),
  }),
});
