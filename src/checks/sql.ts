import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import {
  type DatabaseSession,
  failureText,
  openMysql,
  openPostgres,
  openSqlite,
} from './shared/database-clients.js';
import { valuesOfRows } from './shared/database-values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  url: secretUrl(['postgres', 'postgresql', 'mysql', 'mariadb', 'sqlite']),
  query: z.string().min(1),
});
type SqlOptions = z.output<typeof options>;

/**
 * A query on PostgreSQL, MySQL/MariaDB or SQLite, for the numbers an application keeps in its own
 * tables (an outbox's pending count, the age of its oldest item).
 *
 * Values: the first column of the first row is `value`, and every column of that row is a named value
 * (`select count(*) filter (...) as pending, ... as failed` gives value, pending and failed). Several
 * rows of exactly two columns, text then number (`select status, count(*) ... group by status`),
 * become one named value per row with `value` their sum; a status with no rows then has no value at
 * all, so prefer the one-row form when a condition names a status. Other multi-row results use their
 * first row. Numeric columns are numbers, dates ISO text, PostgreSQL intervals milliseconds.
 * `sqlite:///abs/path` or `sqlite:relative/path` (from the stack file's directory) opens read-only.
 */
export const sqlCheck = {
  kind: 'sql',
  description:
    'a query on PostgreSQL, MySQL or SQLite: value is the first column of the first row; other columns are named values',
  options,
  defaultExpect: ['value exists'],
  produces: () => ({ fields: ['connected'], values: ['value'], openValues: true }),
  probe: probeSql,
} satisfies CheckKindDefinition<SqlOptions>;

async function probeSql(o: SqlOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const scheme = new URL(o.url.reveal()).protocol.replace(/:$/, '');
  let session: DatabaseSession;
  try {
    session =
      scheme === 'sqlite'
        ? await openSqlite(o.url, context.timeoutMs, context.baseDir)
        : scheme === 'mysql' || scheme === 'mariadb'
          ? await openMysql(o.url, context.timeoutMs, context.signal)
          : await openPostgres(o.url, context.timeoutMs, context.signal);
  } catch (error) {
    return { subject: { connected: false }, error: failureText(error, o.url) };
  }
  try {
    const { columns, rows } = await session.query(o.query);
    return {
      subject: { connected: true, values: valuesOfRows(columns, rows) },
      details: { rows: rows.length, columns },
    };
  } catch (error) {
    return { subject: { connected: true }, error: `query failed: ${failureText(error, o.url)}` };
  } finally {
    await session.close();
  }
}
