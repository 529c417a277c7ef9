import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';
import * as m001 from './001-jobs.js';
import * as m002 from './002-access.js';
import * as m003 from './003-checks.js';
import * as m004 from './004-runs.js';
import * as m005 from './005-alerts.js';
import * as m006 from './006-backups.js';
import * as m007 from './007-run-holders.js';
import * as m008 from './008-check-leases.js';
import * as m009 from './009-run-evidence.js';
import * as m010 from './010-history-compact-kind.js';
import * as m011 from './011-alert-origin.js';
import * as m012 from './012-served-config.js';
import * as m013 from './013-heartbeat-pings.js';
import * as m014 from './014-audit-log.js';
import * as m015 from './015-alert-remediation.js';
import * as m016 from './016-releases.js';
import * as m017 from './017-incidents.js';

export type StoreMigration = { up(db: Kysely<unknown>, caps: StoreCapabilities): Promise<void> };

/** Numbered, forward-only, applied in this order. A new migration is a new file and one line here. */
export const migrations: Readonly<Record<string, StoreMigration>> = {
  '001-jobs': m001,
  '002-access': m002,
  '003-checks': m003,
  '004-runs': m004,
  '005-alerts': m005,
  '006-backups': m006,
  '007-run-holders': m007,
  '008-check-leases': m008,
  '009-run-evidence': m009,
  '010-history-compact-kind': m010,
  '011-alert-origin': m011,
  '012-served-config': m012,
  '013-heartbeat-pings': m013,
  '014-audit-log': m014,
  '015-alert-remediation': m015,
  '016-releases': m016,
  '017-incidents': m017,
};
