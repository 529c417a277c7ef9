import { type Kysely, sql } from 'kysely';
import { planSegments } from '../history/segments.js';
import { readWatermarks } from '../history/watermarks.js';
import type { Database } from '../store/schema.js';

const DAY = 86_400_000;

/** Samples and failures of one check on one UTC day. */
export interface DayCount {
  count: number;
  failures: number;
}

/** Per check, per UTC day (the day's start, epoch ms): samples and failures read from one source. */
type Layer = Map<string, Map<number, DayCount>>;

/**
 * Per check and UTC day, its samples and failures: the sum of what each source (day, hour and minute
 * rollups, raw samples) holds for it. A source's layer is kept whole, so a cached one costs nothing.
 */
export class DailyCounts {
  readonly #layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    this.#layers = layers;
  }

  /** The check's samples and failures on the day starting at `day` (epoch ms). */
  day(checkId: string, day: number): DayCount {
    let count = 0;
    let failures = 0;
    for (const layer of this.#layers) {
      const seen = layer.get(checkId)?.get(day);
      if (!seen) continue;
      count += seen.count;
      failures += seen.failures;
    }
    return { count, failures };
  }
}

/**
 * The rollups' layers read last, per resolution, kept because they are final: a period below its
 * resolution's watermark is never rolled up again, so a segment of the same bounds over the same checks
 * reads the same until its watermark moves (the days' once a day, the hours' once an hour, the minutes'
 * once a minute). It saves reading 90 days × every check on each request; only raw samples, the last
 * minute or so, are read every time.
 */
export class ClosedDays {
  readonly #kept = new Map<string, { key: string; layer: Layer }>();

  get(source: string, key: string): Layer | undefined {
    const kept = this.#kept.get(source);
    return kept?.key === key ? kept.layer : undefined;
  }

  set(source: string, key: string, layer: Layer): void {
    this.#kept.set(source, { key, layer });
  }
}

/**
 * Every check's samples and failures per UTC day over [from, to), for all the checks at once: day
 * rollups where the history has them, hour and minute rollups and raw samples for the days not rolled up
 * yet. One grouped query per source (at most four, however many checks and days), so a page of fifty
 * components over ninety days costs what one does; with `closed`, rollups are read once per period.
 */
export async function dailyCounts(
  db: Kysely<Database>,
  checkIds: readonly string[],
  from: number,
  to: number,
  closed?: ClosedDays,
): Promise<DailyCounts> {
  const layers: Layer[] = [];
  if (checkIds.length === 0 || from >= to) return new DailyCounts(layers);
  for (const segment of planSegments(from, to, await readWatermarks(db))) {
    const key = `${segment.from}|${segment.to}|${checkIds.join(',')}`;
    const kept = segment.source === 'raw' ? undefined : closed?.get(segment.source, key);
    if (kept) {
      layers.push(kept);
      continue;
    }
    // Integer division on the stored integers: the UTC day a row falls in, in both stores.
    const rows =
      segment.source === 'raw'
        ? await db
            .selectFrom('check_samples')
            .select([
              'check_id',
              sql<number>`at / ${sql.lit(DAY)}`.as('day'),
              sql<number>`count(*)`.as('n'),
              sql<number>`sum(case when outcome = 'fail' then 1 else 0 end)`.as('f'),
            ])
            .where('check_id', 'in', checkIds)
            .where('at', '>=', segment.from)
            .where('at', '<', segment.to)
            .groupBy(['check_id', sql`at / ${sql.lit(DAY)}`])
            .execute()
        : await db
            .selectFrom('check_rollups')
            .select([
              'check_id',
              sql<number>`start / ${sql.lit(DAY)}`.as('day'),
              sql<number>`sum(count)`.as('n'),
              sql<number>`sum(failures)`.as('f'),
            ])
            .where('resolution', '=', segment.source)
            .where('check_id', 'in', checkIds)
            .where('start', '>=', segment.from)
            .where('start', '<', segment.to)
            .groupBy(['check_id', sql`start / ${sql.lit(DAY)}`])
            .execute();
    const layer: Layer = new Map();
    for (const row of rows) {
      const days = layer.get(row.check_id) ?? new Map<number, DayCount>();
      layer.set(row.check_id, days);
      days.set(Number(row.day) * DAY, { count: Number(row.n), failures: Number(row.f) });
    }
    layers.push(layer);
    if (segment.source !== 'raw') closed?.set(segment.source, key, layer);
  }
  return new DailyCounts(layers);
}

/** How a day of the bar is coloured: by the share of successful samples, or `none` without data. */
export type DayLevel = 'up' | 'minor' | 'partial' | 'major' | 'none';

/** The lowest uptime (percent) of each level: at least 99.9 % is `up`, under 95 % is `major`. */
export const DAY_THRESHOLDS = { up: 99.9, minor: 99, partial: 95 } as const;

export function dayLevel(uptime: number | null): DayLevel {
  if (uptime === null) return 'none';
  if (uptime >= DAY_THRESHOLDS.up) return 'up';
  if (uptime >= DAY_THRESHOLDS.minor) return 'minor';
  if (uptime >= DAY_THRESHOLDS.partial) return 'partial';
  return 'major';
}

/** One day of a component's uptime bar. */
export interface UptimeDay {
  /** The UTC date, `2026-03-01`. */
  date: string;
  count: number;
  failures: number;
  /** Percent of samples that did not fail (a warning counts as up); null without data. */
  uptime: number | null;
  level: DayLevel;
}

/** A component's uptime over the page's days. */
export interface UptimeBar {
  /** Percent over the whole period, from every sample of every check; null without any. */
  uptime: number | null;
  days: UptimeDay[];
}

/** The first UTC day of a bar of `days` days that ends with today. */
export function barStart(now: number, days: number): number {
  return Math.floor(now / DAY) * DAY - (days - 1) * DAY;
}

/** A component's bar: its checks' days summed, oldest day first, today last. */
export function uptimeBar(
  counts: DailyCounts,
  checkIds: readonly string[],
  now: number,
  days: number,
): UptimeBar {
  const first = barStart(now, days);
  const out: UptimeDay[] = [];
  let total = 0;
  let failed = 0;
  for (let i = 0; i < days; i++) {
    const day = first + i * DAY;
    let count = 0;
    let failures = 0;
    for (const id of checkIds) {
      const seen = counts.day(id, day);
      count += seen.count;
      failures += seen.failures;
    }
    total += count;
    failed += failures;
    const uptime = percent(count, failures);
    out.push({
      date: dateOf(day),
      count,
      failures,
      uptime,
      level: dayLevel(uptime),
    });
  }
  return { uptime: percent(total, failed), days: out };
}

function percent(count: number, failures: number): number | null {
  return count === 0 ? null : ((count - failures) / count) * 100;
}

/** Dates of recent days, computed once each rather than once per component per request. */
const DATES = new Map<number, string>();

function dateOf(day: number): string {
  let date = DATES.get(day);
  if (date === undefined) {
    if (DATES.size > 1_000) DATES.clear();
    date = new Date(day).toISOString().slice(0, 10);
    DATES.set(day, date);
  }
  return date;
}
