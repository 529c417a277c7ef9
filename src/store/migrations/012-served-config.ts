import type { Kysely } from 'kysely';

/**
 * Each node records the hash of the stack file it serves, so `dayshift status` can tell an operator
 * that the file on disk was changed and not yet reloaded (kill -HUP) on a node.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('nodes').addColumn('config_hash', 'text').execute();
}
