import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistoryCompaction } from '../../src/history/compaction-job.js';
import { ClosedDays, dailyCounts, dayLevel, uptimeBar } from '../../src/status-page/uptime-days.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { insertSamples, type TestSample } from '../history/samples.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const TODAY = Date.UTC(2026, 2, 20);
const NOW = TODAY + 13 * HOUR + 7 * MIN + 20_000;

/**
 * Samples every 5 minutes over the last ten days, with day 7 ago empty (the bar says "no data"):
 * `web.a` always passes, `web.b` fails one sample in 20 except on the day 2 ago, when it fails one in
 * two; `api.c` fails everything on the day 3 ago.
 */
function samples(): TestSample[] {
  const out: TestSample[] = [];
  let i = 0;
  for (let at = TODAY - 10 * DAY; at < NOW; at += 5 * MIN, i++) {
    const daysAgo = Math.floor((TODAY - Math.floor(at / DAY) * DAY) / DAY);
    if (daysAgo === 7) continue;
    out.push({ check_id: 'web.a', at, outcome: i % 9 === 0 ? 'warn' : 'pass', latency_ms: 10 });
    const bFails = daysAgo === 2 ? i % 2 === 0 : i % 20 === 0;
    out.push({ check_id: 'web.b', at, outcome: bFails ? 'fail' : 'pass', latency_ms: 20 });
    out.push({ check_id: 'api.c', at, outcome: daysAgo === 3 ? 'fail' : 'pass', latency_ms: 30 });
  }
  return out;
}

describe.each(STORE_KINDS)('the uptime bar on %s', (kind) => {
  let testStore: TestStore;
  let store: Store;
  const all = samples();
  /** What the bar must say for `checks` on the day starting at `day`, counted from the samples. */
  const expected = (checks: string[], day: number) => {
    const inside = all.filter((s) => checks.includes(s.check_id) && s.at >= day && s.at < day + DAY);
    return { count: inside.length, failures: inside.filter((s) => s.outcome === 'fail').length };
  };

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    await insertSamples(store.db, all);
    // Rolls the finished days, hours and minutes up and drops raw samples past their 48 h: the bar
    // reads day rollups for old days, finer ones and raw samples for today.
    await runHistoryCompaction({ store, clock: new ManualClock(NOW) });
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('counts every sample of every day once, from rollups and raw samples alike', async () => {
    const marks = await store.db.selectFrom('history_watermarks').selectAll().execute();
    expect(marks.find((m) => m.resolution === 'd')?.rolled_until).toBeDefined();
    const counts = await dailyCounts(
      store.db,
      ['web.a', 'web.b', 'api.c', 'gone.x'],
      TODAY - 12 * DAY,
      NOW + 1,
    );
    for (let d = -12; d <= 0; d++)
      expect(counts.day('gone.x', TODAY + d * DAY)).toEqual({ count: 0, failures: 0 });
    for (let d = -10; d <= 0; d++) {
      const day = TODAY + d * DAY;
      for (const check of ['web.a', 'web.b', 'api.c']) {
        expect(counts.day(check, day), `${check} ${d}`).toEqual(expected([check], day));
      }
    }
  });

  it('gives each day its share, level and date, a day without data as none, and the period overall', async () => {
    const checks = ['web.a', 'web.b'];
    const counts = await dailyCounts(store.db, checks, TODAY - 89 * DAY, NOW + 1);
    const bar = uptimeBar(counts, checks, NOW, 90);
    expect(bar.days).toHaveLength(90);
    expect(bar.days.at(-1)?.date).toBe('2026-03-20');
    expect(bar.days[0]?.date).toBe('2025-12-21');
    expect(bar.days.slice(0, 79).every((d) => d.level === 'none' && d.uptime === null)).toBe(true);
    const day = (ago: number) => bar.days[89 - ago];
    expect(day(7)).toMatchObject({ count: 0, uptime: null, level: 'none' });
    const two = expected(checks, TODAY - 2 * DAY);
    expect(day(2)?.uptime).toBeCloseTo(((two.count - two.failures) / two.count) * 100, 9);
    expect(day(2)?.level).toBe('major');
    const one = expected(checks, TODAY - DAY);
    expect(day(1)).toMatchObject(one);
    expect(day(1)?.level).toBe('partial');
    let total = 0;
    let failed = 0;
    for (let ago = 0; ago < 90; ago++) {
      const e = expected(checks, TODAY - ago * DAY);
      total += e.count;
      failed += e.failures;
    }
    expect(bar.uptime).toBeCloseTo(((total - failed) / total) * 100, 9);

    const down = uptimeBar(
      await dailyCounts(store.db, ['api.c'], TODAY - 9 * DAY, NOW + 1),
      ['api.c'],
      NOW,
      10,
    );
    expect(down.days.map((d) => d.level)).toEqual([
      'up',
      'up',
      'none',
      'up',
      'up',
      'up',
      'major',
      'up',
      'up',
      'up',
    ]);
    expect(down.days[6]?.uptime).toBe(0);
  });

  it('keeps the final rollups between reads, and still sees each new sample', async () => {
    const checks = ['web.a', 'web.b', 'api.c'];
    const closed = new ClosedDays();
    const from = TODAY - 89 * DAY;
    const plain = uptimeBar(await dailyCounts(store.db, checks, from, NOW + 1), checks, NOW, 90);
    const first = uptimeBar(await dailyCounts(store.db, checks, from, NOW + 1, closed), checks, NOW, 90);
    const again = uptimeBar(await dailyCounts(store.db, checks, from, NOW + 1, closed), checks, NOW, 90);
    expect(first).toEqual(plain);
    expect(again).toEqual(plain);
    // A sample written since: raw samples are read on every request.
    await insertSamples(store.db, [{ check_id: 'web.b', at: NOW, outcome: 'fail', latency_ms: 1 }]);
    const later = uptimeBar(await dailyCounts(store.db, checks, from, NOW + 2, closed), checks, NOW, 90);
    expect(later.days.at(-1)?.count).toBe((plain.days.at(-1)?.count ?? 0) + 1);
    expect(later.days.at(-1)?.failures).toBe((plain.days.at(-1)?.failures ?? 0) + 1);
    // Other checks are another key: not the kept rows of these.
    const one = await dailyCounts(store.db, ['api.c'], from, NOW + 2, closed);
    expect(one.day('web.b', TODAY - DAY)).toEqual({ count: 0, failures: 0 });
    expect(one.day('api.c', TODAY - 3 * DAY)).toEqual(expected(['api.c'], TODAY - 3 * DAY));
  });

  it('reads nothing for no checks, and a component without checks has no data', async () => {
    const counts = await dailyCounts(store.db, [], TODAY - 89 * DAY, NOW + 1);
    const bar = uptimeBar(counts, [], NOW, 90);
    expect(bar.uptime).toBeNull();
    expect(bar.days.every((d) => d.level === 'none')).toBe(true);
  });
});

describe('the day colours', () => {
  it.each([
    [null, 'none'],
    [100, 'up'],
    [99.9, 'up'],
    [99.89, 'minor'],
    [99, 'minor'],
    [98.99, 'partial'],
    [95, 'partial'],
    [94.99, 'major'],
    [0, 'major'],
  ] as const)('%s %% is %s', (uptime, level) => {
    expect(dayLevel(uptime)).toBe(level);
  });
});
