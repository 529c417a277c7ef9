import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The history job was named `history.maintain`, a word that also names maintenance windows; it is
 * `history.compact` now. Its jobs keep their history under the new name, and the old schedule row
 * goes: each node defines the new one when it starts, and the old one would queue a kind no node runs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update jobs set kind = 'history.compact' where kind = 'history.maintain'`.execute(db);
  await sql`delete from schedules where name = 'history.maintain'`.execute(db);
}
