import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistoryCompaction } from '../../src/history/compaction-job.js';
import { LatencySketch, SKETCH_ALPHA } from '../../src/history/sketch.js';
import { readWatermarks } from '../../src/history/watermarks.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { exactQuantile, insertSamples, rollupRows, sampleGrid } from './samples.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe.each(STORE_KINDS)('rollups on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const clock = new ManualClock(T0 + 3 * HOUR + 5 * MIN);
  // From 23:00 the day before until 03:00: four hours that cross a day boundary.
  const samples = sampleGrid(['a', 'b', 'c'], T0 - HOUR, T0 + 3 * HOUR);

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await insertSamples(store.db, samples);
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('rolls closed minutes, hours and days, behind the settle delay', async () => {
    const result = await runHistoryCompaction({ store, clock });
    expect(result.rolled.m.until).toBe(T0 + 3 * HOUR + 3 * MIN);
    expect(result.rolled.h.until).toBe(T0 + 3 * HOUR);
    expect(result.rolled.d.until).toBe(T0);
    expect(await readWatermarks(store.db)).toEqual({ m: T0 + 3 * HOUR + 3 * MIN, h: T0 + 3 * HOUR, d: T0 });

    const rows = await rollupRows(store.db);
    for (const check of ['a', 'b', 'c']) {
      const mine = samples.filter((s) => s.check_id === check);
      const minutes = rows.filter((r) => r.check_id === check && r.resolution === 'm');
      const hours = rows.filter((r) => r.check_id === check && r.resolution === 'h');
      const days = rows.filter((r) => r.check_id === check && r.resolution === 'd');
      expect(minutes).toHaveLength(4 * 60);
      expect(minutes.every((m) => m.count === 6)).toBe(true);
      expect(hours.map((h) => h.start)).toEqual([T0 - HOUR, T0, T0 + HOUR, T0 + 2 * HOUR]);
      expect(days.map((d) => [d.start, d.count])).toEqual([[T0 - DAY, 360]]);

      for (const [resolution, list] of [
        ['m', minutes],
        ['h', hours],
        ['d', days],
      ] as const) {
        for (const row of list) {
          const period = resolution === 'm' ? MIN : resolution === 'h' ? HOUR : DAY;
          const inside = mine.filter((s) => s.at >= row.start && s.at < row.start + period);
          expect(row.count).toBe(inside.length);
          expect(Number(row.failures)).toBe(inside.filter((s) => s.outcome === 'fail').length);
          expect(Number(row.warnings)).toBe(inside.filter((s) => s.outcome === 'warn').length);
          expect(Number(row.latency_sum)).toBeCloseTo(
            inside.reduce((sum, s) => sum + s.latency_ms, 0),
            6,
          );
          expect(Number(row.latency_max)).toBe(Math.max(...inside.map((s) => s.latency_ms)));
          const sketch = LatencySketch.decode(row.sketch);
          expect(sketch.count).toBe(inside.length);
          const latencies = inside.map((s) => s.latency_ms);
          for (const q of [0.5, 0.95, 0.99]) {
            const exact = exactQuantile(latencies, q);
            expect(Math.abs((sketch.quantile(q) ?? 0) - exact)).toBeLessThanOrEqual(SKETCH_ALPHA * exact);
          }
        }
      }
    }
  });

  it('is idempotent: a second run, and a run from scratch, write the same rows', async () => {
    const before = await rollupRows(store.db);
    const again = await runHistoryCompaction({ store, clock });
    expect(again.rolled.m.rows + again.rolled.h.rows + again.rolled.d.rows).toBe(0);
    expect(await rollupRows(store.db)).toEqual(before);
    await store.db.deleteFrom('history_watermarks').execute();
    const redo = await runHistoryCompaction({ store, clock });
    expect(redo.rolled.m.rows).toBe(3 * 4 * 60);
    expect(await rollupRows(store.db)).toEqual(before);
  });

  it('includes samples written late within the settle delay', async () => {
    const lateMinute = T0 + 3 * HOUR + 3 * MIN;
    // Taken at 03:03:10 and written at 03:05: 110 s late, inside the 2-minute settle delay.
    await insertSamples(store.db, [
      { check_id: 'a', at: lateMinute + 10_000, outcome: 'fail', latency_ms: 42 },
      { check_id: 'b', at: lateMinute + 50_000, outcome: 'pass', latency_ms: 7 },
    ]);
    clock.advance(2 * MIN);
    const result = await runHistoryCompaction({ store, clock });
    expect(result.rolled.m.until).toBe(T0 + 3 * HOUR + 5 * MIN);
    const late = (await rollupRows(store.db)).filter((r) => r.resolution === 'm' && r.start === lateMinute);
    expect(late.map((r) => [r.check_id, r.count, Number(r.failures)])).toEqual([
      ['a', 1, 1],
      ['b', 1, 0],
    ]);
  });
});
