import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** Connect to PostgreSQL and run a query; reports connections, max_connections, connections_pct. */
export const postgresCheck = definePlugin({
  kind: 'postgres',
  description: 'connect to PostgreSQL and run a query; reports connections, max_connections, connections_pct',
  options: z.strictObject({ url: secretUrl(['postgres', 'postgresql']), query: z.string().optional() }),
});
