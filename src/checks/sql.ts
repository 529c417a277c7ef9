import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';
import { secretUrl } from '../config/schema-helpers.js';

/** A query on PostgreSQL, MySQL or SQLite that returns a number or a row, reported as values. */
export const sqlCheck = definePlugin({
  kind: 'sql',
  description: 'a query on PostgreSQL, MySQL or SQLite that returns a number or a row, reported as values',
  options: z.strictObject({
    url: secretUrl(['postgres', 'postgresql', 'mysql', 'mariadb', 'sqlite']),
    query: z.string().min(1),
  }),
});
