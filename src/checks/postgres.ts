import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import {
  connectionValues,
  type DatabaseSession,
  failureText,
  openPostgres,
} from './shared/database-clients.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  url: secretUrl(['postgres', 'postgresql']),
  /** A query whose first column of the first row becomes `value`. */
  query: z.string().min(1).optional(),
});
type PostgresOptions = z.output<typeof options>;

/**
 * Connects to PostgreSQL (pg_isready and more). Values: connections, max_connections, connections_pct
 * (0–100, so `connections_pct < 80%` reads as written); with `query`, its values as the sql kind gives them.
 */
export const postgresCheck = {
  kind: 'postgres',
  description:
    'connect to PostgreSQL; values connections, max_connections, connections_pct, and value from query',
  options,
  defaultExpect: ['connected == true'],
  produces: (o) => ({
    fields: ['connected'],
    values: ['connections', 'max_connections', 'connections_pct'],
    openValues: o.query !== undefined,
  }),
  probe: probePostgres,
} satisfies CheckKindDefinition<PostgresOptions>;

// Only client backends count against max_connections; since PostgreSQL 10 pg_stat_activity also lists
// the server's own workers (checkpointer, walwriter, autovacuum), which would inflate the percentage.
const CONNECTIONS = `select (select count(*) from pg_stat_activity where backend_type = 'client backend')::int,
  current_setting('max_connections')::int`;

async function probePostgres(o: PostgresOptions, context: ProbeContext): Promise<ProbeOutcome> {
  let session: DatabaseSession;
  try {
    session = await openPostgres(o.url, context.timeoutMs, context.signal);
  } catch (error) {
    return { subject: { connected: false }, error: failureText(error, o.url) };
  }
  try {
    return { subject: { connected: true, values: await connectionValues(session, o.query, pgConnections) } };
  } catch (error) {
    return { subject: { connected: true }, error: `query failed: ${failureText(error, o.url)}` };
  } finally {
    await session.close();
  }
}

async function pgConnections(session: DatabaseSession): Promise<[number, number]> {
  const { rows } = await session.query(CONNECTIONS);
  return [Number(rows[0]?.[0]), Number(rows[0]?.[1])];
}
