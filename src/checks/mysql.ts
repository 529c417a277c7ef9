import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** Connect to MySQL/MariaDB and run a query; reports connections, max_connections, connections_pct. */
export const mysqlCheck = definePlugin({
  kind: 'mysql',
  description:
    'connect to MySQL/MariaDB and run a query; reports connections, max_connections, connections_pct',
  options: z.strictObject({ url: secretUrl(['mysql', 'mariadb']), query: z.string().optional() }),
});
