import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import { connectionValues, type DatabaseSession, failureText, openMysql } from './shared/database-clients.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  url: secretUrl(['mysql', 'mariadb']),
  /** A query whose first column of the first row becomes `value`. */
  query: z.string().min(1).optional(),
});
type MysqlOptions = z.output<typeof options>;

/**
 * Connects to MySQL or MariaDB. Values: connections (Threads_connected), max_connections,
 * connections_pct (0–100); with `query`, its values as the sql kind gives them.
 */
export const mysqlCheck = {
  kind: 'mysql',
  description:
    'connect to MySQL/MariaDB; values connections, max_connections, connections_pct, and value from query',
  options,
  defaultExpect: ['connected == true'],
  produces: (o) => ({
    fields: ['connected'],
    values: ['connections', 'max_connections', 'connections_pct'],
    openValues: o.query !== undefined,
  }),
  probe: probeMysql,
} satisfies CheckKindDefinition<MysqlOptions>;

// SHOW works on MySQL 5.7, 8 and MariaDB alike; information_schema.global_status is gone from MySQL 8.
async function mysqlConnections(session: DatabaseSession): Promise<[number, number]> {
  const status = await session.query("show global status like 'Threads_connected'");
  const max = await session.query('select @@global.max_connections');
  return [Number(status.rows[0]?.[1]), Number(max.rows[0]?.[0])];
}

async function probeMysql(o: MysqlOptions, context: ProbeContext): Promise<ProbeOutcome> {
  let session: DatabaseSession;
  try {
    session = await openMysql(o.url, context.timeoutMs, context.signal);
  } catch (error) {
    return { subject: { connected: false }, error: failureText(error, o.url) };
  }
  try {
    return {
      subject: { connected: true, values: await connectionValues(session, o.query, mysqlConnections) },
    };
  } catch (error) {
    return { subject: { connected: true }, error: `query failed: ${failureText(error, o.url)}` };
  } finally {
    await session.close();
  }
}
