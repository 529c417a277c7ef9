import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Releases: one deploy (or rollback) of a service at an image digest or a git commit, from the moment
 * it begins until it is verified, failed or interrupted. The newest verified one is "known-good" and is
 * where an automatic rollback goes; the images of the last few known-good ones are kept on the Engine.
 * Written only by src/deploys/releases.ts.
 */
export async function up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> {
  const ts = caps.timestampType;
  const ref = ts === 'bigint' ? 'bigint' : 'integer';
  await caps
    .addIdColumn(db.schema.createTable('releases'), 'id')
    .addColumn('service', 'text', (c) => c.notNull())
    /** 'image' (target `repo@sha256:…`) or 'ref' (target a full commit sha). */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    /** What was asked, as typed: the tag or the ref a person gave, before it was pinned. */
    .addColumn('requested', 'text', (c) => c.notNull())
    /** 'deploy' | 'rollback' */
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('run_id', ref)
    /** 'deploying' | 'verified' | 'failed' | 'interrupted' */
    .addColumn('state', 'text', (c) => c.notNull())
    /** 1 once verified, else 0. */
    .addColumn('known_good', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    /** When the target started running; null while gates run, and for a deploy that stopped before. */
    .addColumn('applied_at', ts)
    .addColumn('finished_at', ts)
    /** The release that was live when this one began. */
    .addColumn('previous_id', ref)
    /** JSON `{ backup, snapshot }`: the pre-deploy backup bound to a `migrates: true` deploy. */
    .addColumn('backup', 'text')
    /** JSON object: gates, apply, verification, failure. */
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('releases_by_service').on('releases').columns(['service', 'id']).execute();
  await db.schema
    .createIndex('releases_known_good')
    .on('releases')
    .columns(['service', 'known_good', 'id'])
    .execute();
}
