import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { TEST_PG_URL } from '../global-setup.js';
import { adminQuery } from '../helpers/stores.js';

/** The built CLI (`npx tsc -p tsconfig.json` first, as `npm test` does). */
export const CLI = path.resolve('dist/cli/main.js');

/** Runs `dayshift` as a real process in `cwd`. */
export function dayshift(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A URL on the test server for `database`, as `user` with `password` when given. */
export function pgUrl(database: string, user?: string, password?: string, host?: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  if (host) url.hostname = host;
  if (user) url.username = user;
  if (password !== undefined) url.password = password;
  return url.toString();
}

export async function pgRows<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const pgOne = async <T>(url: string, text: string): Promise<T | undefined> => (await pgRows<T>(url, text))[0];

/**
 * A database of this test's own, owned by a role of its own with a password and CREATEDB (restores
 * create their database), holding `notes` with 3 rows. `drop()` removes it, the databases restores
 * made (`restored`) and the role.
 */
export async function pgSource(prefix: string, password: string) {
  const suffix = randomBytes(4).toString('hex');
  const role = `${prefix}_${suffix}`;
  const database = `${prefix}_${suffix}`;
  const restored = (name: string) => `${prefix}_${name}_${suffix}`;
  await adminQuery(`create role ${role} login createdb password '${password}'`);
  await adminQuery(`create database ${database} owner ${role}`);
  const url = pgUrl(database, role, password);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    "create table notes (id serial primary key, body text); insert into notes (body) values ('a'), ('b'), ('c')",
  );
  await client.end();
  return {
    role,
    database,
    url,
    restored,
    /** The owner of a database, or undefined when it does not exist. */
    async ownerOf(name: string): Promise<string | undefined> {
      const row = await pgOne<{ owner: string }>(
        pgUrl('postgres'),
        `select pg_get_userbyid(datdba) as owner from pg_database where datname = '${name}'`,
      );
      return row?.owner;
    },
    async notesIn(name: string): Promise<number> {
      const row = await pgOne<{ n: string }>(pgUrl(name), 'select count(*) as n from notes');
      return Number(row?.n);
    },
    async drop(): Promise<void> {
      const rows = await pgRows<{ datname: string }>(
        pgUrl('postgres'),
        `select datname from pg_database where datname like '${prefix}%${suffix}'`,
      );
      for (const { datname: name } of rows) await adminQuery(`drop database if exists ${name} with (force)`);
      await adminQuery(`drop role if exists ${role}`);
    },
  };
}
