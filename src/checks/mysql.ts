import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** Connects to MySQL or MariaDB. Values: connections, max_connections, connections_pct. */
export const mysqlCheck = {
  kind: 'mysql',
  description:
    'connect to MySQL/MariaDB; values connections, max_connections, connections_pct, and value from query',
  options: z.strictObject({
    url: secretUrl(['mysql', 'mariadb']),
    query: z.string().min(1).optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
