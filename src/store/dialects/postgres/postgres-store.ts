import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { redactUrl } from '../../../schema/secret.js';
import { loadPg } from '../../../util/client-libraries.js';
import type { Database } from '../../schema.js';

const INT8_OID = 20;

/** Opens a pool on a shared PostgreSQL store. Epoch-millisecond bigints come back as numbers. */
export async function openPostgres(
  url: string,
  options: { poolSize?: number } = {},
): Promise<{ db: Kysely<Database>; description: string; close(): Promise<void> }> {
  const lib = await loadPg();
  const pool = new lib.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : lib.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, description: redactUrl(url), close: () => db.destroy() };
}
