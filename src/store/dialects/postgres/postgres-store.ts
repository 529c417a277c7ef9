import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../../../config/secret.js';
import type { Database } from '../../schema.js';

const INT8_OID = 20;

/** Opens a pool on a shared PostgreSQL store. Epoch-millisecond bigints come back as numbers. */
export function openPostgres(
  url: string,
  options: { poolSize?: number } = {},
): { db: Kysely<Database>; description: string; close(): Promise<void> } {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, description: redactUrl(url), close: () => db.destroy() };
}
