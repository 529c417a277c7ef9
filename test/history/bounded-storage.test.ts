import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistoryCompaction } from '../../src/history/compaction-job.js';
import { historySeries } from '../../src/history/queries.js';
import type { HistoryRetention } from '../../src/history/retention.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples, type TestSample } from './samples.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const CHECKS = ['api', 'db', 'web'];
// Short enough that every resolution reaches its retention within the simulated month.
const retention: HistoryRetention = { raw: 6 * HOUR, minute: 12 * HOUR, hour: 3 * DAY, day: 10 * DAY };

describe.each(STORE_KINDS)('bounded storage on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  async function rowsPerCheck(): Promise<Record<string, number>> {
    const raw = await store.db
      .selectFrom('check_samples')
      .select((eb) => ['check_id', eb.fn.countAll().as('n')])
      .groupBy('check_id')
      .execute();
    const rolled = await store.db
      .selectFrom('check_rollups')
      .select((eb) => ['check_id', 'resolution', eb.fn.countAll().as('n')])
      .groupBy(['check_id', 'resolution'])
      .execute();
    const out: Record<string, number> = {};
    for (const r of raw) out[`${r.check_id}:raw`] = Number(r.n);
    for (const r of rolled) out[`${r.check_id}:${r.resolution}`] = Number(r.n);
    return out;
  }

  it('30 days of one sample a minute, compacted hourly, stay within what retention allows', async () => {
    // What may exist at once: the retention, plus the hour written since the last run and the periods
    // not rolled up yet (the settle delay, an hour not closed, a day not closed).
    const limits = {
      raw: (retention.raw + HOUR + 2 * MIN) / MIN,
      m: (retention.minute + HOUR) / MIN,
      h: (retention.hour + DAY) / HOUR,
      d: retention.day / DAY + 1,
    };
    let peak = { raw: 0, m: 0, h: 0, d: 0 };
    for (let hour = 0; hour < 30 * 24; hour++) {
      const start = T0 + hour * HOUR;
      const batch: TestSample[] = [];
      for (const [c, check] of CHECKS.entries())
        for (let at = start; at < start + HOUR; at += MIN)
          batch.push({
            check_id: check,
            at,
            outcome: at % (7 * MIN) === 0 ? 'fail' : 'pass',
            latency_ms: 10 * (c + 1),
          });
      await insertSamples(store.db, batch);
      clock.set(start + HOUR);
      await runHistoryCompaction({ store, clock, retention });
      if (hour % 6 === 5) {
        const rows = await rowsPerCheck();
        for (const check of CHECKS) {
          const now = {
            raw: rows[`${check}:raw`] ?? 0,
            m: rows[`${check}:m`] ?? 0,
            h: rows[`${check}:h`] ?? 0,
            d: rows[`${check}:d`] ?? 0,
          };
          expect(now.raw).toBeLessThanOrEqual(limits.raw);
          expect(now.m).toBeLessThanOrEqual(limits.m);
          expect(now.h).toBeLessThanOrEqual(limits.h);
          expect(now.d).toBeLessThanOrEqual(limits.d);
          peak = {
            raw: Math.max(peak.raw, now.raw),
            m: Math.max(peak.m, now.m),
            h: Math.max(peak.h, now.h),
            d: Math.max(peak.d, now.d),
          };
        }
      }
    }
    // Every resolution filled up to its retention: the bound was reached and held, not just never hit.
    expect(peak.raw).toBeGreaterThanOrEqual(retention.raw / MIN);
    // Rollups of a period exist once it is final: minutes after the settle delay, an hour once its
    // last minute is rolled up, a day once its last hour is; so one period (two minutes) fewer.
    expect(peak.m).toBeGreaterThanOrEqual((retention.minute - 2 * MIN) / MIN);
    expect(peak.h).toBeGreaterThanOrEqual(retention.hour / HOUR - 1);
    expect(peak.d).toBeGreaterThanOrEqual(retention.day / DAY - 1);

    // What is kept still answers: the last 10 days at 1d steps hold one sample a minute.
    const series = await historySeries(
      store.db,
      'db',
      { from: clock.now() - 9 * DAY, to: clock.now(), step: DAY },
      { clock, retention },
    );
    expect(series.resolution).toBe('d');
    expect(series.buckets.map((b) => b.count)).toEqual(Array(9).fill(1_440));
    expect(series.buckets.every((b) => b.avgMs === 20)).toBe(true);
  }, 180_000);
});
