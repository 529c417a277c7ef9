import type { Kysely } from 'kysely';
import { STATE_REFRESH_MS } from '../monitor/sample-writer.js';
import type { Database } from '../store/schema.js';

/**
 * How far back raw samples are read to know when each check last reported. A steady check's state row
 * (`check_states.last_at`) is rewritten at most every STATE_REFRESH_MS, so it may lag that long; a check
 * that reported in this window has its newest sample here, and one silent for longer has a state row
 * at most STATE_REFRESH_MS older than its last run.
 */
export const RECENT_SAMPLES_MS = 2 * STATE_REFRESH_MS;

/**
 * Each check's newest raw sample within RECENT_SAMPLES_MS of `now`, for those that have one: the
 * newer of it and the state row's `last_at` is when the check last reported. One grouped query over a
 * minute of samples, whatever the number of checks.
 */
export async function recentReports(
  db: Kysely<Database>,
  checkIds: readonly string[],
  now: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (checkIds.length === 0) return out;
  const rows = await db
    .selectFrom('check_samples')
    .select((eb) => ['check_id', eb.fn.max('at').as('newest')])
    .where('check_id', 'in', checkIds)
    .where('at', '>=', now - RECENT_SAMPLES_MS)
    .groupBy('check_id')
    .execute();
  for (const row of rows) out.set(row.check_id, Number(row.newest));
  return out;
}
