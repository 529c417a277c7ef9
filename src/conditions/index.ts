import { ConditionSyntaxError, type ParsedCondition } from './ast.js';
import { parseDayshift } from './parse-dayshift.js';
import { looksLikeGatus, parseGatus } from './parse-gatus.js';

export type { ConditionNode, ParsedCondition } from './ast.js';
export { ConditionSyntaxError } from './ast.js';
export { type ConditionResult, type ConditionSubject, evaluateCondition } from './evaluate.js';

/** Parses a condition in either syntax; throws ConditionSyntaxError with the column of the problem. */
export function parseCondition(source: string, severity: 'fail' | 'warn' = 'fail'): ParsedCondition {
  if (!source.trim()) throw new ConditionSyntaxError('the condition is empty', 0);
  const syntax = looksLikeGatus(source) ? 'gatus' : 'dayshift';
  const node = syntax === 'gatus' ? parseGatus(source) : parseDayshift(source);
  return { source, syntax, node, severity };
}
