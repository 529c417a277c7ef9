import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayshiftError } from '../../src/errors.js';
import { runHistoryCompaction } from '../../src/history/compaction-job.js';
import { historySeries, latencyQuantiles, uptime } from '../../src/history/queries.js';
import { SKETCH_ALPHA } from '../../src/history/sketch.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { exactQuantile, insertSamples, sampleGrid } from './samples.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 3 * HOUR + 7 * MIN + 20_000;

describe.each(STORE_KINDS)('history queries on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const clock = new ManualClock(NOW);
  // Rolled up until 03:05; the samples after it exist only raw.
  const samples = sampleGrid(['a', 'b', 'c'], T0 - 2 * HOUR, NOW);
  const of = (check: string, from: number, to: number) =>
    samples.filter((s) => s.check_id === check && s.at >= from && s.at < to);

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await insertSamples(store.db, samples);
    await runHistoryCompaction({ store, clock });
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it.each([
    ['5m', 5 * MIN, 'm'],
    ['1h', HOUR, 'h'],
    ['1d', DAY, 'd'],
  ] as const)(
    'a series at %s steps counts every sample, rolled up or not',
    async (_name, step, resolution) => {
      const from = T0 - 2 * HOUR;
      const series = await historySeries(store.db, 'b', { from, to: NOW + MIN, step }, { clock });
      expect(series.resolution).toBe(resolution);
      const inWindow = of('b', series.from, series.to);
      expect(series.buckets.reduce((n, b) => n + b.count, 0)).toBe(inWindow.length);
      expect(series.buckets.reduce((n, b) => n + b.failures, 0)).toBe(
        inWindow.filter((s) => s.outcome === 'fail').length,
      );
      for (const bucket of series.buckets) {
        const inside = of('b', bucket.start, bucket.start + step);
        expect(bucket.count).toBe(inside.length);
        if (inside.length === 0) {
          expect(bucket.uptime).toBeNull();
          continue;
        }
        const fails = inside.filter((s) => s.outcome === 'fail').length;
        expect(bucket.uptime).toBeCloseTo(((inside.length - fails) / inside.length) * 100, 9);
        expect(bucket.maxMs).toBe(Math.max(...inside.map((s) => s.latency_ms)));
        const p95 = exactQuantile(
          inside.map((s) => s.latency_ms),
          0.95,
        );
        expect(Math.abs((bucket.p95Ms ?? 0) - p95)).toBeLessThanOrEqual(SKETCH_ALPHA * p95);
      }
    },
  );

  it('the newest minutes, not rolled up yet, are in the last bucket', async () => {
    const series = await historySeries(
      store.db,
      'a',
      { from: NOW - 10 * MIN, to: NOW, step: MIN },
      { clock },
    );
    expect(series.buckets).toHaveLength(11);
    expect(series.buckets.at(-1)?.count).toBe(of('a', T0 + 3 * HOUR + 7 * MIN, NOW).length);
    expect(series.buckets.at(-1)?.count).toBe(2);
    expect(series.buckets.slice(0, -1).every((b) => b.count === 6)).toBe(true);
  });

  it('uptime matches the known outcomes over any window, warnings counting as up', async () => {
    for (const [from, to] of [
      [T0 - 2 * HOUR, NOW],
      [T0 - HOUR - 17_000, NOW - 30_000],
      [T0 + 3 * HOUR + 6 * MIN, NOW],
    ] as const) {
      const result = await uptime(store.db, 'all', from, to);
      expect(result.map((r) => r.checkId)).toEqual(['a', 'b', 'c']);
      for (const r of result) {
        const mine = of(r.checkId, from, to);
        const fails = mine.filter((s) => s.outcome === 'fail').length;
        expect(r.count).toBe(mine.length);
        expect(r.failures).toBe(fails);
        expect(r.uptime).toBeCloseTo(((mine.length - fails) / mine.length) * 100, 9);
      }
      expect(result.find((r) => r.checkId === 'c')?.uptime).toBe(100);
    }
    const some = await uptime(store.db, ['b', 'nope'], T0, T0 + HOUR);
    expect(some).toEqual([
      { checkId: 'b', count: 360, failures: 36, uptime: 90 },
      { checkId: 'nope', count: 0, failures: 0, uptime: null },
    ]);
  });

  it('latency quantiles over the last 5 minutes are within the sketch accuracy', async () => {
    const from = NOW - 5 * MIN;
    const q = await latencyQuantiles(store.db, 'c', from, NOW);
    const latencies = of('c', from, NOW).map((s) => s.latency_ms);
    expect(q.count).toBe(latencies.length);
    for (const [key, p] of [
      ['p50Ms', 0.5],
      ['p95Ms', 0.95],
      ['p99Ms', 0.99],
    ] as const) {
      const exact = exactQuantile(latencies, p);
      expect(Math.abs((q[key] ?? 0) - exact)).toBeLessThanOrEqual(SKETCH_ALPHA * exact);
    }
    expect(await latencyQuantiles(store.db, 'c', T0 - 10 * DAY, T0 - 9 * DAY)).toEqual({
      count: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    });
  });

  it.each([
    ['a step under a minute', { from: NOW - HOUR, to: NOW, step: 30_000 }, 'whole number of minutes'],
    [
      'a step that is not whole minutes',
      { from: NOW - HOUR, to: NOW, step: 90_000 },
      'whole number of minutes',
    ],
    ['too many buckets', { from: NOW - 2 * DAY + MIN, to: NOW, step: MIN }, 'more than 1000'],
    [
      'minutes older than their retention',
      { from: NOW - 3 * DAY, to: NOW, step: 5 * MIN },
      'does not reach back',
    ],
    ['an empty window', { from: NOW, to: NOW, step: MIN }, 'is not a time range'],
  ])('rejects %s', async (_name, request, message) => {
    const error = await historySeries(store.db, 'a', request, { clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as DayshiftError).code).toBe('BAD_REQUEST');
    expect((error as Error).message).toContain(message);
  });
});
