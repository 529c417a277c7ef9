import { type Migration, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../../src/alerts/queries.js';
import { Silences } from '../../src/alerts/silences.js';
import { openStore, type Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const MIGRATION = '011-alert-origin';

/** Brings a fresh store to the schema it had before MIGRATION, as an older Dayshift left it. */
async function migrateBefore(store: Store): Promise<void> {
  const names = Object.keys(migrations);
  const earlier = names.slice(0, names.indexOf(MIGRATION));
  const migrator = new Migrator({
    db: store.db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          earlier.map((name): [string, Migration] => [
            name,
            { up: (db) => (migrations[name] as (typeof migrations)[string]).up(db, store.caps) },
          ]),
        ),
    },
    migrationTableName: 'dayshift_migrations',
    migrationLockTableName: 'dayshift_migrations_lock',
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
}

const alertRow = (key: string, source: string, labels: Record<string, string>, now: number) => ({
  key,
  open_key: key,
  state: 'firing',
  source,
  name: key,
  severity: 'high',
  summary: 'written under the old schema',
  labels: JSON.stringify(labels),
  notify: '[]',
  repeat_ms: 0,
  started_at: now,
  updated_at: now,
});

describe.each(STORE_KINDS)('the alert origin migration on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await openStore(testStore.options);
    await migrateBefore(store);
  });
  afterAll(async () => {
    await store?.close();
    await testStore?.destroy();
  });

  it('renames the alerts column, the label Dayshift set and silence matchers from source to origin', async () => {
    const now = Date.now();
    await store.db
      .insertInto('alerts')
      .values([
        alertRow('check:web.health', 'check', { service: 'web', check: 'health', source: 'check' }, now),
        alertRow('backup:db:missed', 'missed', { backup: 'db', source: 'missed' }, now),
        // A rule's own `labels:` may hold a label called source: it is the user's, not the origin.
        alertRow('rule:slow', 'rule', { rule: 'slow', source: 'billing-team' }, now),
      ] as never)
      .execute();
    const matchers = (list: Array<[string, string, string]>) =>
      JSON.stringify(list.map(([name, op, value]) => ({ name, op, value })));
    await store.db
      .insertInto('silences')
      .values([
        {
          matchers: matchers([
            ['source', '=', 'missed'],
            ['service', '=', 'web'],
          ]),
          starts_at: now,
          ends_at: now + 3_600_000,
          created_by: 'old',
          comment: null,
          created_at: now,
        },
        {
          matchers: matchers([['service', '!=', 'source']]),
          starts_at: now,
          ends_at: now + 3_600_000,
          created_by: 'old',
          comment: null,
          created_at: now,
        },
      ])
      .execute();

    // It is the first to apply; those numbered after it follow.
    expect((await store.migrate()).applied[0]).toBe(MIGRATION);

    const alerts = await listAlerts(store.db);
    const byKey = new Map(alerts.map((a) => [a.key, a]));
    expect(byKey.get('check:web.health')).toMatchObject({
      origin: 'check',
      labels: { service: 'web', check: 'health', origin: 'check' },
    });
    expect(byKey.get('backup:db:missed')).toMatchObject({
      origin: 'missed',
      labels: { backup: 'db', origin: 'missed' },
    });
    expect(byKey.get('rule:slow')).toMatchObject({
      origin: 'rule',
      labels: { rule: 'slow', source: 'billing-team' },
    });
    for (const a of alerts.filter((a) => a.key !== 'rule:slow'))
      expect(a.labels).not.toHaveProperty('source');

    const silences = await new Silences(store.db).list(now, { all: true });
    expect(silences.map((s) => s.matchers).reverse()).toEqual([
      [
        { name: 'origin', op: '=', value: 'missed' },
        { name: 'service', op: '=', value: 'web' },
      ],
      [{ name: 'service', op: '!=', value: 'source' }],
    ]);

    // Run again, as after a crash part-way on SQLite (no transaction there): nothing changes.
    await migrations[MIGRATION]?.up(store.db as never, store.caps);
    expect(await listAlerts(store.db)).toEqual(alerts);
    const columns = (await store.db.introspection.getTables()).find((t) => t.name === 'alerts')?.columns;
    expect(columns?.map((c) => c.name)).toContain('origin');
    expect(columns?.map((c) => c.name)).not.toContain('source');
    const applied = await sql<{ name: string }>`select name from dayshift_migrations`.execute(store.db);
    expect(applied.rows.map((r) => r.name)).toContain(MIGRATION);
  });
});
