import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** A query on PostgreSQL, MySQL or SQLite: the first column of the first row is `value`, other columns named values. */
export const sqlCheck = {
  kind: 'sql',
  description:
    'a query on PostgreSQL, MySQL or SQLite: value is the first column of the first row; other columns are named values',
  options: z.strictObject({
    url: secretUrl(['postgres', 'postgresql', 'mysql', 'mariadb', 'sqlite']),
    query: z.string().min(1),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
