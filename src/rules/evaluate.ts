import type { AggregateFn, RuleCall, RuleExpr } from './ast.js';
import { callsOf } from './parse.js';

/** What rules read: answers over a window ending `now`; null when there is nothing to answer from. */
export interface RuleSeries {
  /** avg/min/max/p50/p95/p99 of a metric (`latency` in ms, or a value the check reports). */
  aggregate(
    fn: AggregateFn,
    checkId: string,
    metric: string,
    windowMs: number,
    now: number,
  ): Promise<number | null>;
  /** Failed runs as a percentage (0-100) of the runs in the window. */
  failureRate(checkId: string, windowMs: number, now: number): Promise<number | null>;
  /** The newest run's metric. */
  last(checkId: string, metric: string): Promise<number | string | null>;
  /** healthy, degraded, unhealthy, starting, paused; null for a check never run. */
  state(checkId: string): Promise<string | null>;
  /** True when the check has no sample in the window. */
  absent(checkId: string, windowMs: number, now: number): Promise<boolean>;
}

export type RuleValue = number | string | boolean | null;

export interface RuleVerdict {
  holds: boolean;
  /** The value of the first function call, the one an alert shows. */
  value: RuleValue;
  /** `p95(backend.health.latency, 5m) = 1420 ms; failure_rate(backend.health, 5m) = 0%`. */
  summary: string;
}

/**
 * Evaluates a rule. Every function is asked once, all at the same time; then the expression is
 * computed. A function without data is null, and anything compared with null is false, so a check
 * with no samples does not fire a threshold rule (use absent() for that).
 */
export async function evaluateRule(expr: RuleExpr, series: RuleSeries, now: number): Promise<RuleVerdict> {
  const calls = callsOf(expr);
  const values = await Promise.all(calls.map((c) => ask(c, series, now)));
  const byCall = new Map<RuleCall, RuleValue>(calls.map((c, i) => [c, values[i] ?? null]));
  const result = compute(expr, byCall);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [call, value] of byCall) {
    if (seen.has(call.text)) continue;
    seen.add(call.text);
    parts.push(`${call.text} = ${formatValue(call, value)}`);
  }
  return { holds: result === true, value: values[0] ?? null, summary: parts.join('; ') };
}

async function ask(call: RuleCall, series: RuleSeries, now: number): Promise<RuleValue> {
  switch (call.kind) {
    case 'aggregate':
      return series.aggregate(call.fn, call.ref.check, call.ref.metric, call.windowMs, now);
    case 'failure_rate':
      return series.failureRate(call.ref.check, call.windowMs, now);
    case 'last':
      return series.last(call.ref.check, call.ref.metric);
    case 'state':
      return series.state(call.ref.check);
    case 'absent':
      return series.absent(call.ref.check, call.windowMs, now);
  }
}

function compute(expr: RuleExpr, values: ReadonlyMap<RuleCall, RuleValue>): RuleValue {
  switch (expr.kind) {
    case 'number':
    case 'string':
    case 'bool':
      return expr.value;
    case 'call':
      return values.get(expr.call) ?? null;
    case 'neg': {
      const v = compute(expr.operand, values);
      return typeof v === 'number' ? -v : null;
    }
    case 'arith': {
      const l = compute(expr.left, values);
      const r = compute(expr.right, values);
      if (typeof l !== 'number' || typeof r !== 'number') return null;
      if (expr.op === '+') return l + r;
      if (expr.op === '-') return l - r;
      if (expr.op === '*') return l * r;
      return r === 0 ? null : l / r;
    }
    case 'compare': {
      const l = compute(expr.left, values);
      const r = compute(expr.right, values);
      if (l === null || r === null) return false;
      if (expr.op === '==') return l === r;
      if (expr.op === '!=') return l !== r;
      if (typeof l !== 'number' || typeof r !== 'number') return false;
      if (expr.op === '<') return l < r;
      if (expr.op === '<=') return l <= r;
      if (expr.op === '>') return l > r;
      return l >= r;
    }
    case 'and':
      return compute(expr.left, values) === true && compute(expr.right, values) === true;
    case 'or':
      return compute(expr.left, values) === true || compute(expr.right, values) === true;
    case 'not': {
      const v = compute(expr.operand, values);
      return typeof v === 'boolean' ? !v : null;
    }
  }
}

function formatValue(call: RuleCall, value: RuleValue): string {
  if (value === null) return 'no data';
  if (typeof value !== 'number') return String(value);
  if (call.kind === 'failure_rate') return `${round(value)}%`;
  if ((call.kind === 'aggregate' || call.kind === 'last') && call.ref.metric === 'latency')
    return `${round(value)} ms`;
  return String(round(value));
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}
