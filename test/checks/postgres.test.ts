import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { checkOf, testEnv } from './check-env.js';

const PG_URL = process.env.DAYSHIFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

beforeAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}; start it as .ci/run does`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
});

describe('postgres check against the real server', () => {
  const extra: pg.Client[] = [];
  afterAll(async () => {
    await Promise.all(extra.map((c) => c.end().catch(() => {})));
  });

  it('connects and reports connections as a percentage that 80% literals compare with', async () => {
    const result = await runCheck(checkOf('postgres', { url: PG_URL }, ['connections_pct < 80%']), testEnv());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions).toHaveLength(1);
    const { connections, max_connections, connections_pct } = result.values;
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(max_connections).toBeGreaterThan(0);
    expect(connections_pct).toBeCloseTo(((connections as number) / (max_connections as number)) * 100, 1);
    // The same figure fails a threshold below it: the percentage is 0–100, not a fraction.
    const low = await runCheck(checkOf('postgres', { url: PG_URL }, ['connections_pct < 0.001%']), testEnv());
    expect(low.outcome).toBe('fail');
    expect(low.conditions[0]?.actual).toBeGreaterThan(0.001);
  });

  it('counts the connections other clients hold', async () => {
    const before = await runCheck(checkOf('postgres', { url: PG_URL }), testEnv());
    for (let i = 0; i < 6; i++) {
      const client = new pg.Client({ connectionString: PG_URL, application_name: 'dayshift-test-extra' });
      await client.connect();
      extra.push(client);
    }
    const after = await runCheck(checkOf('postgres', { url: PG_URL }), testEnv());
    expect(after.outcome).toBe('pass');
    // Other test files connect and disconnect at the same time, so only most of the six are certain.
    expect(after.values.connections).toBeGreaterThanOrEqual(7);
    expect(after.values.connections as number).toBeGreaterThan((before.values.connections as number) + 2);
    expect(after.values.connections_pct as number).toBeGreaterThan(before.values.connections_pct as number);
  });

  it("gives a query's first column as value and every column as a named value", async () => {
    const result = await runCheck(
      checkOf(
        'postgres',
        { url: PG_URL, query: "select 42 as answer, 'ok' as state, interval '90 seconds' as age" },
        ['value == 42', "state == 'ok'", 'age < 2m', 'age > 1m'],
      ),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ value: 42, answer: 42, state: 'ok', age: 90_000 });
  });

  it('reports bad credentials as an error that never shows the password', async () => {
    const password = 'pw-Zq81-never-shown';
    const url = `postgres://dayshift_no_such_role:${password}@127.0.0.1:5432/postgres`;
    const result = await runCheck(checkOf('postgres', { url }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toContain('dayshift_no_such_role');
    expect(result.error).toContain('***');
    expect(JSON.stringify(result)).not.toContain(password);
  });

  it('reports a failing query as an error while connected', async () => {
    const result = await runCheck(
      checkOf('postgres', { url: PG_URL, query: 'select * from dayshift_no_such_table' }),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/query failed: .*dayshift_no_such_table/);
  });

  it('gives up at its timeout on a query that runs too long', async () => {
    const started = performance.now();
    const result = await runCheck(
      checkOf('postgres', { url: PG_URL, query: 'select pg_sleep(30)' }, [], 800),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/timed out|statement timeout|canceling/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
