import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * One lease per check: the node holding it (null once released), and the epoch, the fencing token that
 * goes up by one with every claim, so a result made under an older epoch is never written. A lease is
 * renewed with its holder's row in `nodes`: it lasts while that row is live, so a tick renews every
 * lease a node holds in one single-row statement. A node's `fence` goes up whenever another node takes
 * leases from it (it was dead), so a node writing results reads one row to know its leases are intact.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('check_leases')
    .addColumn('check_id', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text')
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('claimed_at', caps.timestampType, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('check_leases_by_node').on('check_leases').column('node_id').execute();
  await db.schema
    .alterTable('nodes')
    .addColumn('fence', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
