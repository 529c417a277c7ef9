import { historyMaintenanceJob } from '../history/maintenance-job.js';
import { selftestJob } from '../jobs/builtin/selftest.js';
import type { JobKind } from '../jobs/kinds.js';

/**
 * Every job kind a node can run. Features that queue work (backups, drills, runs, deploys,
 * notification deliveries) add their kind here.
 */
export function allJobKinds(): JobKind[] {
  return [selftestJob as JobKind, historyMaintenanceJob as JobKind];
}

/** Kinds an operator may queue directly through `POST /api/v1/jobs`. */
export const REQUESTABLE_KINDS: ReadonlySet<string> = new Set(['selftest']);
