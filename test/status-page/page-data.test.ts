import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatusPage } from '../../src/status-page/page-data.js';
import type { Store } from '../../src/store/index.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples } from '../history/samples.js';
import { insertIncident } from './incident-rows.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// A Sunday, 01:30 UTC: the weekly vacuum (Sundays 02:00) starts in half an hour.
const NOW = Date.UTC(2026, 2, 22, 1, 30);

const { config } = stackFrom(`version: 1
stack: page-data
services:
  web:
    checks:
      home: { http: { url: "http://127.0.0.1:9/" }, every: 10s, timeout: 2s }
      api: { http: { url: "http://127.0.0.1:9/api" }, every: 10s, timeout: 2s }
  db:
    checks:
      ready: { tcp: { host: 127.0.0.1, port: 9 }, every: 1m }
  queue: {}
  hidden:
    checks:
      cron: { tcp: { host: 127.0.0.1, port: 9 }, every: 10s }
maintenance:
  - { name: weekly-vacuum, schedule: "0 2 * * 0", duration: 1h, services: [db], description: "VACUUM FULL" }
  - { name: hidden-only, schedule: "0 3 * * *", duration: 1h, services: [hidden] }
status_page: { title: "Page data", components: [web, db, queue] }
`);
const page = config.status_page;
if (!page) throw new Error('the stack file has a status page');

describe.each(STORE_KINDS)('the status page read from the store (%s)', (kind) => {
  let testStore: TestStore;
  let store: Store;

  const state = (check_id: string, state: string, lastAt: number) => ({
    check_id,
    state,
    since: lastAt - HOUR,
    monitored_since: lastAt - DAY,
    failures: 0,
    successes: 3,
    last_at: lastAt,
    last_outcome: 'pass',
    last_latency_ms: 5,
    last_reason: null,
    last_result: null,
    updated_at: lastAt,
  });

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await store.db
      .insertInto('check_states')
      .values([
        // The row was last rewritten 25 s ago (a steady check's row is refreshed every 30 s); its
        // newest sample, 3 s ago, says it still reports.
        state('web.home', 'healthy', NOW - 25_000),
        state('web.api', 'unhealthy', NOW - 5_000),
        // Once a minute; silent for 4 minutes, past its 3 × 1m + 10s.
        state('db.ready', 'healthy', NOW - 4 * MIN),
        state('hidden.cron', 'unhealthy', NOW - 1_000),
      ])
      .execute();
    await insertSamples(store.db, [
      { check_id: 'web.home', at: NOW - 3_000, outcome: 'pass', latency_ms: 5 },
      { check_id: 'web.api', at: NOW - 5_000, outcome: 'fail', latency_ms: 5 },
      { check_id: 'web.api', at: NOW - DAY, outcome: 'pass', latency_ms: 5 },
    ]);
    await store.db
      .insertInto('maintenance_windows')
      .values({
        name: 'db-upgrade',
        starts_at: NOW - MIN,
        ends_at: NOW + HOUR,
        services: JSON.stringify(['db']),
        created_by: 'cli:alice',
        description: null,
        created_at: NOW - DAY,
      })
      .execute();
    await insertIncident(store.db, { title: 'Whole stack', services: [], openedAt: NOW - HOUR }, [
      { at: NOW - HOUR, type: 'opened', actor: 'cli:alice', public: true, text: 'Everything is slow' },
    ]);
    await insertIncident(store.db, { title: 'Hidden only', services: ['hidden'], openedAt: NOW - HOUR });
    await insertIncident(store.db, {
      title: 'Resolved 8 days ago',
      services: ['web'],
      status: 'resolved',
      openedAt: NOW - 9 * DAY,
      resolvedAt: NOW - 8 * DAY,
    });
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('derives each component from its own checks, with when it last reported', async () => {
    const read = await readStatusPage(store.db, config, page, NOW);
    expect(read.components.map((c) => [c.name, c.state])).toEqual([
      ['web', 'partial_outage'],
      ['db', 'stale'],
      ['queue', 'unknown'],
    ]);
    expect(read.state).toBe('partial_outage');
    const web = read.components[0];
    expect(web?.updatedAt).toBe(NOW - 3_000);
    expect(web?.staleAfterMs).toBe(3 * 10_000 + 2_000);
    expect(read.components[1]?.staleAfterMs).toBe(3 * MIN + 10_000);
    expect(web?.uptime.days.at(-2)).toMatchObject({ count: 1, failures: 0, level: 'up' });
    expect(web?.uptime.days.at(-1)).toMatchObject({ count: 2, failures: 1, level: 'major' });
  });

  it('without the newest sample, a steady check whose row is older than its limit is stale', async () => {
    const read = await readStatusPage(store.db, config, { ...page, stale_after: 10_000 }, NOW);
    // web.home: row 25 s old, sample 3 s old: fresh. db.ready: 4 minutes: stale.
    expect(read.components.map((c) => c.state)).toEqual(['partial_outage', 'stale', 'unknown']);
    const later = await readStatusPage(store.db, config, { ...page, stale_after: 10_000 }, NOW + 20_000);
    expect(later.components[0]?.state).toBe('stale');
  });

  it('lists the incidents that touch its components or name none, and maintenance on them', async () => {
    const read = await readStatusPage(store.db, config, page, NOW);
    expect(read.incidents.map((i) => [i.title, i.components])).toEqual([['Whole stack', []]]);
    expect(read.pastIncidents).toEqual([]);
    expect(read.maintenance).toEqual([
      {
        name: 'db-upgrade',
        description: null,
        startsAt: NOW - MIN,
        endsAt: NOW + HOUR,
        active: true,
        components: ['db'],
      },
      {
        name: 'weekly-vacuum',
        description: 'VACUUM FULL',
        startsAt: NOW + 30 * MIN,
        endsAt: NOW + 90 * MIN,
        active: false,
        components: ['db'],
      },
    ]);
  });
});
