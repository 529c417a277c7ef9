import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/** API tokens: only a SHA-256 of each token is kept, with a short prefix to recognise it by. */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  await caps
    .addIdColumn(db.schema.createTable('api_tokens'), 'id')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', caps.timestampType, (c) => c.notNull())
    .addColumn('last_used_at', caps.timestampType)
    .addColumn('revoked_at', caps.timestampType)
    .execute();
}
