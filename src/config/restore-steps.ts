import { sourceOf } from '../backup/sources/registry.js';
import { confineRestoreTo, restorePolicy } from '../backup/sources/shared/restore-confinement.js';
import { DayshiftError } from '../errors.js';
import { ownValue } from '../util/own.js';
import type { Report } from './issues.js';
import type { RestoreTargetUse } from './references-in.js';
import type { ParsedSections } from './schema.js';

/**
 * Reports each restore target a step declares (a runbook `restore` step's `to`) that the stack file's
 * restore rules refuse (the rule the CLI and the API apply, restore-confinement.ts), where it is
 * written. Paths are resolved as they are on this machine now, symlinks included.
 */
export function checkRestoreTargets(
  targets: readonly RestoreTargetUse[],
  parsed: Partial<ParsedSections>,
  raw: Record<string, unknown>,
  dir: string,
  report: Report,
): void {
  // The rules read every backup's source and `restore:`; until those are valid their errors come first.
  if (targets.length === 0 || !parsed.backups || !parsed.restore) return;
  // Servers named anywhere in `services:` count, valid or not: the raw text names them all the same.
  const policy = restorePolicy(
    { restore: parsed.restore, backups: parsed.backups, services: parsed.services ?? raw.services },
    dir,
  );
  for (const target of targets) {
    // An unknown backup is reported by the name checks.
    const backup = ownValue(parsed.backups, target.backup);
    if (!backup) continue;
    try {
      confineRestoreTo(policy, sourceOf(backup.source.kind), backup.source.options, target.to);
    } catch (error) {
      if (!(error instanceof DayshiftError)) throw error;
      report(target.at, error.message, error.hint === undefined ? {} : { hint: error.hint });
    }
  }
}
