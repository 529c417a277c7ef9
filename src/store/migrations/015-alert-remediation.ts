import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * What an alert's runbooks did about it: a JSON list of `{ runbook, runId, status }`, written when a
 * runbook with `on: { alert }` is started for it and updated when that run ends. Its notifications
 * carry it, so whoever is paged sees that a remediation ran and how it went.
 */
export async function up(db: Kysely<unknown>, _caps: StoreCapabilities): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('remediation', 'text').execute();
}
