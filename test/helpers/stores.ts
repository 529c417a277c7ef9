import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.js';
import { TEST_PG_URL } from '../global-setup.js';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** A fresh, empty store of one kind: its own SQLite file, or its own PostgreSQL database. */
export interface TestStore {
  kind: StoreKind;
  options: StoreOptions;
  /** Opens (and migrates) a new connection to it; several may be open at once, as several nodes would. */
  open(): Promise<Store>;
  /** Drops the database (kept when DAYSHIFT_KEEP_TEST_DB=1, to read it after a failure). */
  destroy(): Promise<void>;
}

export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  const opened: Store[] = [];
  const track = async (options: StoreOptions) => {
    const store = await openStore(options);
    await store.migrate();
    opened.push(store);
    return store;
  };
  const { options, where, remove } = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
  return {
    kind,
    options,
    open: () => track(options),
    async destroy() {
      await Promise.all(opened.map((s) => s.close().catch(() => {})));
      if (process.env.DAYSHIFT_KEEP_TEST_DB === '1') console.log(`kept test store ${where}`);
      else await remove();
    },
  };
}

function freshSqlite(): { options: StoreOptions; where: string; remove(): Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-store-'));
  return {
    options: { sqlitePath: path.join(dir, 'state.db') },
    where: dir,
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function freshPostgres(): Promise<{ options: StoreOptions; where: string; remove(): Promise<void> }> {
  const name = `dayshift_t_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    options: { url: url.toString() },
    where: `database ${name}`,
    remove: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

/**
 * The `store:` line of a stack file that points at a test store, so that a node, a CLI process and the
 * test all open the same one.
 */
export function storeYaml(options: StoreOptions): string {
  return options.url
    ? `store: { url: "${options.url}" }`
    : `store: { sqlite: { path: "${options.sqlitePath}" } }`;
}

/** Runs one statement as the test server's superuser (create or drop a database or a role). */
export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
