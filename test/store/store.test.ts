import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { TEST_PG_URL } from '../global-setup.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const ALL = Object.keys(migrations);

describe.each(STORE_KINDS)('store on %s', (kind) => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await createTestStore(kind);
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('applies the numbered migrations in order on a fresh store, once', async () => {
    const store = await openStore(testStore.options);
    try {
      expect(await store.pendingMigrations()).toEqual(ALL);
      expect((await store.migrate()).applied).toEqual(ALL);
      expect(await store.pendingMigrations()).toEqual([]);
      expect((await store.migrate()).applied).toEqual([]);
      await store.ping();
      // The tables the migrations create answer queries.
      await store.db.selectFrom('jobs').select('id').execute();
      await store.db.selectFrom('api_tokens').select('id').execute();
    } finally {
      await store.close();
    }
  });

  it('renames the history job from history.maintain to history.compact, dropping its old schedule', async () => {
    const store = await testStore.open();
    const now = Date.now();
    await store.db
      .insertInto('jobs')
      .values({
        kind: 'history.maintain',
        payload: 'null',
        status: 'completed',
        priority: 0,
        run_at: now,
        attempts: 1,
        max_attempts: 1,
        created_at: now,
      } as never)
      .execute();
    await store.db
      .insertInto('schedules')
      .values({
        name: 'history.maintain',
        kind: 'history.maintain',
        payload: 'null',
        every_ms: 60_000,
        next_run_at: now,
        updated_at: now,
      } as never)
      .execute();
    await migrations['010-history-compact-kind']?.up(store.db as never, store.caps);
    const kinds = await store.db.selectFrom('jobs').select('kind').execute();
    expect(kinds.map((j) => j.kind)).not.toContain('history.maintain');
    expect(kinds.map((j) => j.kind)).toContain('history.compact');
    const schedules = await store.db.selectFrom('schedules').select('name').execute();
    expect(schedules.map((r) => r.name)).not.toContain('history.maintain');
  });

  it('declares its capabilities instead of its dialect', async () => {
    const store = await testStore.open();
    expect(store.caps.skipLocked).toBe(kind === 'postgres');
    expect(store.caps.concurrentWriters).toBe(kind === 'postgres');
    expect(store.description).toContain(kind === 'postgres' ? 'postgres://' : 'sqlite:');
  });

  it('round-trips epoch milliseconds beyond 32 bits as numbers', async () => {
    const store = await testStore.open();
    const at = Date.UTC(2099, 0, 1, 0, 0, 0, 123);
    const row = await store.db
      .insertInto('job_events')
      .values({ job_id: 1, at, type: 'progress', data: null })
      .returning(['at', 'job_id'])
      .executeTakeFirstOrThrow();
    expect(row.at).toBe(at);
    expect(typeof row.job_id).toBe('number');
  });
});

describe('store on postgres, started by several processes at once', () => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await createTestStore('postgres');
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('applies the migrations once when three processes migrate a fresh database together', async () => {
    const script = `
      import { openStore } from ${JSON.stringify(path.resolve('src/store/index.ts'))};
      const store = await openStore({ url: process.env.STORE_URL });
      const result = await store.migrate();
      process.stdout.write(JSON.stringify(result.applied));
      await store.close();
    `;
    const run = () =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, STORE_URL: testStore.options.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`)),
        );
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.flat().sort()).toEqual([...ALL].sort());
    const store = await testStore.open();
    const applied = await sql<{ name: string }>`select name from dayshift_migrations order by name`.execute(
      store.db,
    );
    expect(applied.rows.map((r) => r.name)).toEqual(ALL);
  });
});

describe('store errors', () => {
  it('says the store is unreachable without showing the password', async () => {
    const url = new URL(TEST_PG_URL);
    url.port = '1';
    url.username = 'app';
    url.password = 'pw-canary-123';
    const error = await openStore({ url: url.toString() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).not.toContain('pw-canary-123');
    expect((error as Error).message).toContain('***');
  });

  it('refuses a store URL that is not PostgreSQL as wrong input, not as a store that is down', async () => {
    await expect(openStore({ url: 'mysql://root@127.0.0.1/db' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
