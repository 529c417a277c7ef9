import { isSecret } from '../schema/secret.js';
import type { MonitoredCheck } from './configured-checks.js';

/** How a reloaded stack file's checks differ from those served: ids, in file order. */
export interface CheckChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/** Compares two stack files' checks by id; a check is changed when anything in its definition differs. */
export function compareChecks(
  before: readonly MonitoredCheck[],
  after: readonly MonitoredCheck[],
): CheckChanges {
  const old = new Map(before.map((c) => [c.id, c]));
  const kept = new Set(after.map((c) => c.id));
  const changes: CheckChanges = { added: [], changed: [], removed: [] };
  for (const check of after) {
    const previous = old.get(check.id);
    if (!previous) changes.added.push(check.id);
    else if (!sameValue(previous, check)) changes.changed.push(check.id);
  }
  for (const check of before) if (!kept.has(check.id)) changes.removed.push(check.id);
  return changes;
}

/** `2 checks added, 1 changed, 0 removed`: the reload's line in the log. */
export function describeCheckChanges(changes: CheckChanges): string {
  const added = changes.added.length;
  return `${added} check${added === 1 ? '' : 's'} added, ${changes.changed.length} changed, ${changes.removed.length} removed`;
}

/**
 * Structural equality of loaded config values. Secrets print as `[redacted]`, so they are compared by
 * their values: a rotated password is a changed check. Regular expressions (`matches /re/`) compare by
 * source and flags.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isSecret(a) || isSecret(b)) return isSecret(a) && isSecret(b) && a.reveal() === b.reveal();
  if (a instanceof RegExp || b instanceof RegExp)
    return a instanceof RegExp && b instanceof RegExp && a.source === b.source && a.flags === b.flags;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const bRecord = b as Record<string, unknown>;
  const aRecord = a as Record<string, unknown>;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && sameValue(aRecord[key], bRecord[key]));
}
