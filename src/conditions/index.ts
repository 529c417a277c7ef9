import { ConditionSyntaxError, type ParsedCondition } from './ast.js';
import { parseDayshift } from './parse-dayshift.js';
import { looksLikeGatus, parseGatus } from './parse-gatus.js';

export type {
  Comparison,
  ConditionExpr,
  DayshiftExpr,
  FieldRef,
  GatusExpr,
  GatusPlaceholder,
  GatusTerm,
  Literal,
  ParsedCondition,
  PathSegment,
} from './ast.js';
export { ConditionSyntaxError, FIELDS, GATUS_PLACEHOLDERS } from './ast.js';
export { evaluateCondition } from './evaluate.js';
export { type ConditionRead, type ResultField, readsOf } from './reads.js';
export type { ConditionResult, ConditionSubject } from './subject.js';

/** Parses a condition in either syntax; throws ConditionSyntaxError with the column of the problem. */
export function parseCondition(source: string, severity: 'fail' | 'warn' = 'fail'): ParsedCondition {
  if (!source.trim())
    throw new ConditionSyntaxError('the condition is empty', 0, 'write for example status == 200');
  const expr = looksLikeGatus(source) ? parseGatus(source) : parseDayshift(source);
  return { source, severity, expr };
}
