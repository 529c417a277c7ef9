import type { Kysely } from 'kysely';
import { uptime } from '../../history/queries.js';
import type { CheckStatus } from '../../monitor/status.js';
import type { Database } from '../../store/schema.js';

const WINDOWS = { '24h': 86_400_000, '30d': 30 * 86_400_000 } as const;

/** Uptime % of each check over the last 24 hours and 30 days, in the order of `statuses`. */
export async function uptimeColumns(
  db: Kysely<Database>,
  statuses: readonly CheckStatus[],
  now: number,
): Promise<Array<Record<keyof typeof WINDOWS, number | null>>> {
  const ids = statuses.map((s) => s.id);
  const out = statuses.map(
    () => ({ '24h': null, '30d': null }) as Record<keyof typeof WINDOWS, number | null>,
  );
  for (const [name, ms] of Object.entries(WINDOWS) as Array<[keyof typeof WINDOWS, number]>) {
    const rows = await uptime(db, ids, now - ms, now);
    const byId = new Map(rows.map((r) => [r.checkId, r.uptime]));
    ids.forEach((id, i) => {
      (out[i] as Record<keyof typeof WINDOWS, number | null>)[name] = byId.get(id) ?? null;
    });
  }
  return out;
}
