import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { checkOf, testEnv } from './check-env.js';

const MYSQL_URL = process.env.DAYSHIFT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

function connect(): Promise<mysql.Connection> {
  const u = new URL(MYSQL_URL);
  return mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    connectTimeout: 5000,
  });
}

beforeAll(async () => {
  try {
    await (await connect()).end();
  } catch (error) {
    throw new Error(`MariaDB is not reachable at ${MYSQL_URL}; start it as .ci/run does`, { cause: error });
  }
});

describe('mysql check against the real MariaDB', () => {
  const extra: mysql.Connection[] = [];
  afterAll(async () => {
    await Promise.all(extra.map((c) => c.end().catch(() => {})));
  });

  it('connects and reports connections as a percentage that 80% literals compare with', async () => {
    const result = await runCheck(checkOf('mysql', { url: MYSQL_URL }, ['connections_pct < 80%']), testEnv());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    const { connections, max_connections, connections_pct } = result.values;
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(max_connections).toBeGreaterThan(0);
    expect(connections_pct).toBeCloseTo(((connections as number) / (max_connections as number)) * 100, 1);
  });

  it('counts the connections other clients hold', async () => {
    const before = await runCheck(checkOf('mysql', { url: MYSQL_URL }), testEnv());
    for (let i = 0; i < 6; i++) extra.push(await connect());
    const after = await runCheck(checkOf('mysql', { url: MYSQL_URL }), testEnv());
    expect(after.outcome).toBe('pass');
    expect(after.values.connections).toBeGreaterThanOrEqual(7);
    // Other test files connect and disconnect at the same time, so only most of the six are certain.
    expect(after.values.connections as number).toBeGreaterThan((before.values.connections as number) + 2);
  });

  it("gives a query's first column as value and every column as a named value", async () => {
    const result = await runCheck(
      checkOf('mysql', { url: MYSQL_URL, query: "select 42 as answer, 'ok' as state, 2.5 as ratio" }, [
        'value == 42',
        "state == 'ok'",
        'ratio > 2',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ value: 42, answer: 42, state: 'ok', ratio: 2.5 });
  });

  it('accepts mariadb:// URLs', async () => {
    const url = MYSQL_URL.replace(/^mysql:/, 'mariadb:');
    const result = await runCheck(checkOf('mysql', { url }), testEnv());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('reports bad credentials as an error that never shows the password', async () => {
    const password = 'pw-Zq81-never-shown';
    const u = new URL(MYSQL_URL);
    u.password = password;
    const result = await runCheck(checkOf('mysql', { url: u.toString() }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/Access denied/);
    expect(result.error).toContain('***');
    expect(JSON.stringify(result)).not.toContain(password);
  });

  it('reports a failing query as an error while connected', async () => {
    const result = await runCheck(
      checkOf('mysql', { url: MYSQL_URL, query: 'select * from dayshift_no_such_table' }),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/query failed: .*dayshift_no_such_table/);
  });
});
