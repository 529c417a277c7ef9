import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HISTORY_MAINTENANCE_KIND,
  historyMaintenanceJob,
  scheduleHistoryMaintenance,
} from '../../src/history/maintenance-job.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import type { Job } from '../../src/jobs/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { allJobKinds } from '../../src/runtime/job-kinds.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples, sampleGrid } from './samples.js';

const T0 = Date.UTC(2026, 0, 1);

describe.each(STORE_KINDS)('the history.maintain job on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const clock = new ManualClock(T0 + 10 * 60_000);

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('is a kind every node runs, scheduled every minute, and rolls up the bound store', async () => {
    expect(allJobKinds().map((k) => k.kind)).toContain(HISTORY_MAINTENANCE_KIND);
    const scheduler = new Scheduler(new JobQueue(store, { clock, kinds: allJobKinds() }), { clock });
    const unbind = await scheduleHistoryMaintenance(scheduler, { store, clock });
    try {
      const schedule = await store.db
        .selectFrom('schedules')
        .selectAll()
        .where('name', '=', HISTORY_MAINTENANCE_KIND)
        .executeTakeFirstOrThrow();
      expect(schedule).toMatchObject({ kind: HISTORY_MAINTENANCE_KIND, cron: null });
      expect(Number(schedule.every_ms)).toBe(60_000);

      await insertSamples(store.db, sampleGrid(['a'], T0, T0 + 5 * 60_000));
      const result = (await historyMaintenanceJob.handler({
        job: { id: 1, kind: HISTORY_MAINTENANCE_KIND, attempts: 1, payload: null } as Job & { payload: null },
        signal: new AbortController().signal,
        progress: async () => {},
        logger: silentLogger(),
      })) as Record<string, { rolled: { m: { rows: number } } }>;
      expect(Object.values(result).map((r) => r.rolled.m.rows)).toEqual([5]);
    } finally {
      unbind();
    }
  });
});
