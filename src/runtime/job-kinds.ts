import { type DeliveryContext, deliveryJobKind } from '../alerts/delivery-job.js';
import type { Backups } from '../backup/backups.js';
import { backupJobKinds } from '../backup/jobs.js';
import { historyMaintenanceJob } from '../history/maintenance-job.js';
import { selftestJob } from '../jobs/builtin/selftest.js';
import type { JobKind } from '../jobs/kinds.js';

/**
 * Every job kind a node can run. Features that queue work (backups, drills, runs, deploys,
 * notification deliveries) add their kind here.
 */
export function allJobKinds(features: { delivery?: DeliveryContext; backups?: Backups } = {}): JobKind[] {
  return [
    selftestJob as JobKind,
    historyMaintenanceJob as JobKind,
    deliveryJobKind(features.delivery) as JobKind,
    ...backupJobKinds(features.backups),
  ];
}

/** Kinds an operator may queue directly through `POST /api/v1/jobs`. */
export const REQUESTABLE_KINDS: ReadonlySet<string> = new Set(['selftest']);
