import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollupRow } from '../../src/history/accumulator.js';
import { applyRetention, DEFAULT_RETENTION } from '../../src/history/retention.js';
import { upsertRollups } from '../../src/history/rollup.js';
import { advanceWatermark } from '../../src/history/watermarks.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples, type TestSample } from './samples.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

const rollup = (check_id: string, resolution: string, start: number): RollupRow => ({
  check_id,
  resolution,
  start,
  count: 1,
  failures: 0,
  warnings: 0,
  latency_sum: 5,
  latency_max: 5,
  sketch: '0|1:1',
});

describe.each(STORE_KINDS)('retention on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const clock = new ManualClock(NOW);

  // Rows just past each default retention (deleted) and exactly at it or newer (kept).
  const rawCutoff = NOW - DEFAULT_RETENTION.raw;
  const oldSamples: TestSample[] = Array.from({ length: 3_000 }, (_, i) => ({
    check_id: `c${i % 3}`,
    at: rawCutoff - 1 - i * 1_000,
    outcome: 'pass',
    latency_ms: 1,
  }));
  const keptSamples: TestSample[] = [rawCutoff, rawCutoff + 1, NOW - 1].map((at) => ({
    check_id: 'c0',
    at,
    outcome: 'pass',
    latency_ms: 1,
  }));
  const minuteCutoff = NOW - DEFAULT_RETENTION.minute;
  const hourCutoff = NOW - DEFAULT_RETENTION.hour;
  const dayCutoff = NOW - DEFAULT_RETENTION.day;
  const rollups = [
    ...Array.from({ length: 500 }, (_, i) => rollup('c0', 'm', minuteCutoff - (i + 1) * MIN)),
    rollup('c0', 'm', minuteCutoff),
    rollup('c1', 'm', NOW - MIN),
    rollup('c0', 'h', hourCutoff - HOUR),
    rollup('c1', 'h', hourCutoff - 3 * HOUR),
    rollup('c0', 'h', hourCutoff),
    rollup('c0', 'd', dayCutoff - DAY),
    rollup('c0', 'd', dayCutoff),
    rollup('c0', 'd', NOW - DAY),
  ];

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await insertSamples(store.db, [...oldSamples, ...keptSamples]);
    await upsertRollups(store.db, rollups, 100);
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('deletes nothing a resolution that was never rolled up still needs', async () => {
    const report = await applyRetention(store.db, { clock });
    expect(report).toEqual({ raw: 0, m: 0, h: 0, d: 1 });
    await upsertRollups(store.db, [rollup('c0', 'd', dayCutoff - DAY)], 1);
  });

  it('deletes exactly what is older than each retention, in bounded chunks', async () => {
    for (const r of ['m', 'h', 'd'] as const) await advanceWatermark(store.db, r, NOW);
    const report = await applyRetention(store.db, { clock, chunkRows: 250 });
    expect(report).toEqual({ raw: 3_000, m: 500, h: 2, d: 1 });
    const samples = await store.db.selectFrom('check_samples').select('at').orderBy('at').execute();
    expect(samples.map((s) => Number(s.at))).toEqual(keptSamples.map((s) => s.at));
    const left = await store.db.selectFrom('check_rollups').select(['resolution', 'start']).execute();
    expect(left.map((r) => `${r.resolution}@${Number(r.start)}`).sort()).toEqual(
      [`m@${minuteCutoff}`, `m@${NOW - MIN}`, `h@${hourCutoff}`, `d@${dayCutoff}`, `d@${NOW - DAY}`].sort(),
    );
    expect(await applyRetention(store.db, { clock })).toEqual({ raw: 0, m: 0, h: 0, d: 0 });
  });

  it('never deletes periods the next resolution has not rolled up', async () => {
    const old = NOW - 3 * DAY;
    await insertSamples(store.db, [{ check_id: 'c0', at: old, outcome: 'pass', latency_ms: 1 }]);
    await upsertRollups(store.db, [rollup('c0', 'm', old)], 1);
    await store.db.updateTable('history_watermarks').set({ rolled_until: old }).execute();
    expect(await applyRetention(store.db, { clock })).toEqual({ raw: 0, m: 0, h: 0, d: 0 });
    await store.db
      .updateTable('history_watermarks')
      .set({ rolled_until: old + MIN })
      .execute();
    expect(await applyRetention(store.db, { clock })).toEqual({ raw: 1, m: 1, h: 0, d: 0 });
  });
});
