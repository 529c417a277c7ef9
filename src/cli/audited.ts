import { type AuditAction, type AuditNote, type AuditOutcome, audited, cliActor } from '../audit/index.js';
import type { Store } from '../store/index.js';
import { systemClock } from '../util/clock.js';

/**
 * Runs a verb's action and appends its audit entry, with the operating-system user and host as the
 * actor; failures and refusals are recorded too, and the error is rethrown for the exit code.
 */
export function cliAudited<T>(
  store: Store,
  action: Omit<AuditAction, 'actor'>,
  work: (note: AuditNote) => Promise<T>,
  outcome?: (value: T) => AuditOutcome,
): Promise<T> {
  return audited(store.db, systemClock, { ...action, actor: cliActor() }, work, outcome);
}
