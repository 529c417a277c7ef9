import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFeatures } from '../../src/features/open.js';
import { HISTORY_COMPACTION_KIND } from '../../src/history/compaction-job.js';
import { historyFeature } from '../../src/history/feature.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import type { Job } from '../../src/jobs/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { FEATURES } from '../../src/runtime/features.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples, sampleGrid } from './samples.js';

const T0 = Date.UTC(2026, 0, 1);

describe.each(STORE_KINDS)('the history.compact job on %s', (kind) => {
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

  it("is a kind every node runs, scheduled every minute, and rolls up the node's store", async () => {
    expect(FEATURES).toContain(historyFeature);
    const stack = stackFrom('version: 1\nstack: history\nservices: {}\n');
    const queue = new JobQueue(store, { clock });
    const features = openFeatures([historyFeature], {
      nodeId: 'test',
      store,
      queue,
      clock,
      logger: silentLogger(),
      stack: { config: stack.config, configPath: stack.configPath, baseDir: stack.dir },
      settings: {},
    });
    const kind = features.jobKinds.find((k) => k.kind === HISTORY_COMPACTION_KIND);
    if (!kind) throw new Error('the history feature declares no compaction job');
    const scheduler = new Scheduler(queue, { clock });
    for (const { name, ...spec } of features.schedules) await scheduler.define(name, spec);

    const schedule = await store.db
      .selectFrom('schedules')
      .selectAll()
      .where('name', '=', HISTORY_COMPACTION_KIND)
      .executeTakeFirstOrThrow();
    expect(schedule).toMatchObject({ kind: HISTORY_COMPACTION_KIND, cron: null });
    expect(Number(schedule.every_ms)).toBe(60_000);

    await insertSamples(store.db, sampleGrid(['a'], T0, T0 + 5 * 60_000));
    const result = (await kind.handler({
      job: { id: 1, kind: HISTORY_COMPACTION_KIND, attempts: 1, payload: null } as Job & { payload: null },
      signal: new AbortController().signal,
      progress: async () => {},
      logger: silentLogger(),
    })) as Record<string, { rolled: { m: { rows: number } } }>;
    expect(Object.keys(result)).toEqual([store.description]);
    expect(Object.values(result).map((r) => r.rolled.m.rows)).toEqual([5]);
  });
});
