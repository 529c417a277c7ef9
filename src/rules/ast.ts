/**
 * The rules language: expressions over check history that `rules:` alert on.
 *
 *   p95(backend.health.latency, 5m) > 1s
 *   failure_rate(backend.health, 5m) > 1%
 *   last(worker.backlog.value) > 1000 and avg(worker.backlog.value, 10m) > avg(worker.backlog.value, 1h) * 1.5
 *
 * Units: durations are milliseconds (`1s` is 1000, latency is in ms); percentages are numbers from 0
 * to 100 (`80%` is 80, as `connections_pct` and `failure_rate` are).
 */

export type AggregateFn = 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
export const AGGREGATES: readonly AggregateFn[] = ['avg', 'min', 'max', 'p50', 'p95', 'p99'];
export const FUNCTIONS = [...AGGREGATES, 'failure_rate', 'last', 'state', 'absent'] as const;
export type RuleFunction = (typeof FUNCTIONS)[number];

/** `service.check` or `service.check.metric`, where it stands in the text. */
export interface Reference {
  check: string;
  metric?: string;
  at: number;
}

export type RuleCall =
  | {
      kind: 'aggregate';
      fn: AggregateFn;
      ref: Reference & { metric: string };
      windowMs: number;
      at: number;
      text: string;
    }
  | { kind: 'failure_rate'; ref: Reference; windowMs: number; at: number; text: string }
  | { kind: 'last'; ref: Reference & { metric: string }; at: number; text: string }
  | { kind: 'state'; ref: Reference; at: number; text: string }
  | { kind: 'absent'; ref: Reference; windowMs: number; at: number; text: string };

export type ArithmeticOp = '+' | '-' | '*' | '/';
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type RuleExpr =
  | { kind: 'number'; value: number; unit?: 'ms' | '%' }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'call'; call: RuleCall }
  | { kind: 'neg'; operand: RuleExpr }
  | { kind: 'arith'; op: ArithmeticOp; left: RuleExpr; right: RuleExpr }
  | { kind: 'compare'; op: ComparisonOp; left: RuleExpr; right: RuleExpr }
  | { kind: 'and' | 'or'; left: RuleExpr; right: RuleExpr }
  | { kind: 'not'; operand: RuleExpr };

/** A parsed `when:`: the text as written and its tree. */
export interface ParsedRule {
  text: string;
  expr: RuleExpr;
}
