import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { RESOLUTIONS, type Resolution } from './resolutions.js';

/** How far each resolution is rolled up; a resolution never rolled up is absent. */
export type Watermarks = Partial<Record<Resolution, number>>;

export async function readWatermarks(db: Kysely<Database>): Promise<Watermarks> {
  const rows = await db.selectFrom('history_watermarks').select(['resolution', 'rolled_until']).execute();
  const out: Watermarks = {};
  for (const row of rows) {
    if ((RESOLUTIONS as readonly string[]).includes(row.resolution)) {
      out[row.resolution as Resolution] = Number(row.rolled_until);
    }
  }
  return out;
}

/**
 * Moves a watermark forward, never back: two nodes rolling up at once both write final rows, and the
 * one that finishes later must not undo the other's progress.
 */
export async function advanceWatermark(
  db: Kysely<Database>,
  resolution: Resolution,
  until: number,
): Promise<void> {
  await db
    .insertInto('history_watermarks')
    .values({ resolution, rolled_until: until })
    .onConflict((oc) =>
      oc
        .column('resolution')
        .doUpdateSet((eb) => ({ rolled_until: eb.ref('excluded.rolled_until') }))
        .where('history_watermarks.rolled_until', '<', until),
    )
    .execute();
}
