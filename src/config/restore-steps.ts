import { sourceOf } from '../backup/sources/registry.js';
import { confineRestoreTo, restorePolicy } from '../backup/sources/shared/restore-confinement.js';
import { DayshiftError } from '../errors.js';
import { ownValue } from '../util/own.js';
import type { StackConfig } from './schema.js';

/**
 * Reports each runbook `restore` step whose `to` the stack file's restore rules refuse (the rule the
 * CLI and the API apply, restore-confinement.ts), at the step's `to`. Paths are resolved as they are
 * on this machine now, symlinks included.
 */
export function checkRestoreSteps(
  config: StackConfig,
  dir: string,
  add: (at: PropertyKey[], message: string, hint: string | undefined) => void,
): void {
  const policy = restorePolicy(config, dir);
  for (const [r, runbook] of Object.entries(config.runbooks))
    runbook.steps.forEach((step, i) => {
      if (step.kind !== 'restore' || typeof step.options === 'string' || step.options.to === undefined)
        return;
      // An unknown backup is reported by the name checks.
      const backup = ownValue(config.backups, step.options.backup);
      if (!backup) return;
      try {
        confineRestoreTo(policy, sourceOf(backup.source.kind), backup.source.options, step.options.to);
      } catch (error) {
        if (!(error instanceof DayshiftError)) throw error;
        add(['runbooks', r, 'steps', i, 'restore', 'to'], error.message, error.hint);
      }
    });
}
