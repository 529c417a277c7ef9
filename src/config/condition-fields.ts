import { checkKinds } from '../checks/registry.js';
import { ownValue } from '../util/own.js';
import type { Report } from './issues.js';
import { unfilledReader } from './result-fields.js';
import type { CheckPart, ConditionPart, SmokeStepPart } from './valid-parts.js';

/**
 * Refuses each condition that reads what its check never fills, at the field inside the condition:
 * the conditions of every check, and of every smoke step, which reads the results of its own check
 * kind or, for `check: web.health`, of the check it names. Each condition is judged on its own, so a
 * sibling with a syntax error does not hide it.
 */
export function checkConditionFields(
  checks: readonly CheckPart[],
  smokeSteps: readonly SmokeStepPart[],
  report: Report,
): void {
  for (const check of checks) judge(check.kind, check.options, check.conditions, report);
  const byId = new Map(checks.map((c) => [c.id, c]));
  for (const step of smokeSteps) {
    if (ownValue<unknown>(checkKinds, step.kind)) {
      judge(step.kind, step.options, step.conditions, report);
      continue;
    }
    // Without an `expect:` the step holds the check to its own conditions, judged above.
    const runs = step.references.find((r) => r.to === 'check');
    const check = runs && byId.get(runs.name);
    if (check) judge(check.kind, check.options, step.conditions, report);
  }
}

function judge(kind: string, options: unknown, conditions: readonly ConditionPart[], report: Report): void {
  if (conditions.length === 0) return;
  const unfilled = unfilledReader(kind, options);
  if (!unfilled) return;
  for (const { at, condition } of conditions)
    for (const read of unfilled(condition))
      report(at, read.message, { column: read.column, hint: read.hint });
}
