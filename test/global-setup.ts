import pg from 'pg';
import { buildCliIfStale } from './helpers/built-cli.js';

/** The PostgreSQL server every store test also runs against; tests fail (never skip) when it is down. */
export const TEST_PG_URL = process.env.DAYSHIFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function setup(): Promise<void> {
  // Tests that run `dayshift` as a process run the built dist/; alone after a change, it is rebuilt here.
  buildCliIfStale();
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_PG_URL}; the store tests need it. Start it (see .ci/run) or set DAYSHIFT_TEST_PG_URL.`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
