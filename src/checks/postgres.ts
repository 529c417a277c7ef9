import { z } from 'zod';
import { secretUrl } from '../config/secret-schema.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** Connects to PostgreSQL (pg_isready and more). Values: connections, max_connections, connections_pct. */
export const postgresCheck = {
  kind: 'postgres',
  description:
    'connect to PostgreSQL; values connections, max_connections, connections_pct, and value from query',
  options: z.strictObject({
    url: secretUrl(['postgres', 'postgresql']),
    /** A query whose first column of the first row becomes `value`. */
    query: z.string().min(1).optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
