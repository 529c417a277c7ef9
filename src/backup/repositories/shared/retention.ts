import { wallTimeOf } from '../../../util/zoned-time.js';

/**
 * Which snapshots a `keep:` policy keeps, with restic's semantics (`restic forget --keep-*`, as restic
 * 0.14 applies them), so a `local` repository and a `restic` one keep the same snapshots:
 *
 * - snapshots are taken newest first;
 * - `last: n` keeps the n newest;
 * - `hourly`/`daily`/`weekly`/`monthly`/`yearly: n` keep, for the n newest hours (days, ISO weeks,
 *   months, years) that have a snapshot, the newest snapshot of each;
 * - a snapshot kept by any rule is kept; every rule counts on its own;
 * - an empty policy keeps everything.
 *
 * Calendar periods are read in the backup's time zone (UTC by default). Newer restic releases (0.17)
 * also keep the oldest snapshot while a rule has counts left; restic 0.14, the floor here, does not,
 * and neither does this.
 */

export interface KeepPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export type KeepRule = keyof KeepPolicy;
export const KEEP_RULES: readonly KeepRule[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

export interface Dated {
  /** Epoch milliseconds. */
  time: number;
}

export interface RetentionDecision<T extends Dated> {
  keep: Array<{ snapshot: T; reasons: KeepRule[] }>;
  remove: T[];
}

interface Calendar {
  year: number;
  month: number;
  day: number;
  hour: number;
}

function calendarOf(time: number, timeZone: string): Calendar {
  const wall = new Date(wallTimeOf(time, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
  };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return { year: weekYear, week };
}

/** The period a snapshot falls in, for each rule; `last` counts every snapshot as its own. */
function periodOf(rule: KeepRule, c: Calendar, index: number): number {
  switch (rule) {
    case 'last':
      return index;
    case 'hourly':
      return ((c.year * 100 + c.month) * 100 + c.day) * 100 + c.hour;
    case 'daily':
      return (c.year * 100 + c.month) * 100 + c.day;
    case 'weekly': {
      const w = isoWeek(c.year, c.month, c.day);
      return w.year * 100 + w.week;
    }
    case 'monthly':
      return c.year * 100 + c.month;
    case 'yearly':
      return c.year;
  }
}

export function applyRetention<T extends Dated>(
  snapshots: readonly T[],
  policy: KeepPolicy,
  timeZone = 'UTC',
): RetentionDecision<T> {
  // Newest first; equal times keep their order, as restic's stable sort does.
  const sorted = snapshots
    .map((snapshot, i) => ({ snapshot, i }))
    .sort((a, b) => b.snapshot.time - a.snapshot.time || a.i - b.i)
    .map((x) => x.snapshot);
  const rules = KEEP_RULES.filter((r) => (policy[r] ?? 0) > 0);
  if (rules.length === 0) return { keep: sorted.map((snapshot) => ({ snapshot, reasons: [] })), remove: [] };

  const left = new Map(rules.map((r) => [r, policy[r] as number]));
  const lastPeriod = new Map<KeepRule, number>(rules.map((r) => [r, -1]));
  const decision: RetentionDecision<T> = { keep: [], remove: [] };
  sorted.forEach((snapshot, index) => {
    const calendar = calendarOf(snapshot.time, timeZone);
    const reasons: KeepRule[] = [];
    for (const rule of rules) {
      if ((left.get(rule) ?? 0) <= 0) continue;
      const period = periodOf(rule, calendar, index);
      if (period === lastPeriod.get(rule)) continue;
      lastPeriod.set(rule, period);
      left.set(rule, (left.get(rule) ?? 0) - 1);
      reasons.push(rule);
    }
    if (reasons.length > 0) decision.keep.push({ snapshot, reasons });
    else decision.remove.push(snapshot);
  });
  return decision;
}
