import type { ParsedCondition } from './ast.js';
import { evaluateDayshift, MISSING } from './evaluate-dayshift.js';
import { evaluateGatus } from './evaluate-gatus.js';
import type { ConditionResult, ConditionSubject } from './subject.js';

/** Evaluates a parsed condition against a check's result. Never throws: a failure is a result. */
export function evaluateCondition(condition: ParsedCondition, subject: ConditionSubject): ConditionResult {
  const base = { expr: condition.source, severity: condition.severity };
  const { expr } = condition;
  if (expr.type === 'gatus') return { ...base, ...evaluateGatus(expr, subject) };
  const { ok, actual } = evaluateDayshift(expr, subject);
  if (actual === MISSING)
    return {
      ...base,
      ok,
      actual: null,
      reason: `the result has no ${fieldName(expr.left.name, expr.left.path)}`,
    };
  return { ...base, ok, actual };
}

function fieldName(name: string, path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : `${out}.${seg}`),
    name,
  );
}
