import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Evidence a run captured (logs, a command's output, a file), one row per item, for the run or one of
 * its steps: the content kept (at most 256 KiB, scrubbed of secrets), and the whole content's size and
 * SHA-256, so a cut item still says how much there was and what it was (src/runs/evidence.ts).
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const big = caps.timestampType === 'bigint' ? 'bigint' : 'integer';
  await caps
    .addIdColumn(db.schema.createTable('run_evidence'), 'id')
    .addColumn('run_id', big, (c) => c.notNull())
    .addColumn('step', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('size', big, (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .addColumn('captured_at', caps.timestampType, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('run_evidence_by_run').on('run_evidence').columns(['run_id', 'id']).execute();
}
