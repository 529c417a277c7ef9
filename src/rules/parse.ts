import { ConditionSyntaxError } from '../conditions/ast.js';
import { sticky, UNIT } from '../conditions/tokenize.js';
import { parseDuration } from '../schema/duration.js';
import {
  AGGREGATES,
  type AggregateFn,
  type ComparisonOp,
  FUNCTIONS,
  type ParsedRule,
  type Reference,
  type RuleCall,
  type RuleExpr,
} from './ast.js';

/** A rule that does not parse; `column` is 0-based inside the expression, as for conditions. */
export { ConditionSyntaxError as RuleSyntaxError } from '../conditions/ast.js';

type Token =
  | { kind: 'number'; value: number; unit?: 'ms' | '%'; at: number; end: number }
  | { kind: 'string'; value: string; at: number; end: number }
  | { kind: 'name'; text: string; at: number; end: number }
  | { kind: 'sym'; text: string; at: number; end: number }
  | { kind: 'end'; at: number; end: number };

const NUMBER = /\d+(?:\.\d+)?/y;
/** Names may hold `-` (`email-queue`), so a minus between names needs spaces: `a - b`. */
const NAME = /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*/y;
const SYMBOL = /==|!=|<=|>=|<|>|\+|-|\*|\/|\(|\)|,/y;

const UNITS_HINT = 'durations are written 250ms, 10s, 5m, 2h or 1d; percentages 80%';

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) value += text[j++];
      if (j >= text.length) throw new ConditionSyntaxError(`the string has no closing ${ch}`, i);
      out.push({ kind: 'string', value, at: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const number = sticky(NUMBER, text, i);
    if (number) {
      const unit = sticky(UNIT, text, i + number.length) ?? '';
      const end = i + number.length + unit.length;
      if (/[A-Za-z0-9_%.]/.test(text[end] ?? ''))
        throw new ConditionSyntaxError(
          `"${/^[^\s,()]+/.exec(text.slice(i))?.[0]}" is not a number, duration or percentage`,
          i,
          UNITS_HINT,
        );
      if (unit === '%') out.push({ kind: 'number', value: Number(number), unit: '%', at: i, end });
      else if (unit)
        out.push({
          kind: 'number',
          value: parseDuration(`${number}${unit}`) ?? Number.NaN,
          unit: 'ms',
          at: i,
          end,
        });
      else out.push({ kind: 'number', value: Number(number), at: i, end });
      i = end;
      continue;
    }
    const name = sticky(NAME, text, i);
    if (name) {
      out.push({ kind: 'name', text: name, at: i, end: i + name.length });
      i += name.length;
      continue;
    }
    const sym = sticky(SYMBOL, text, i);
    if (sym) {
      out.push({ kind: 'sym', text: sym, at: i, end: i + sym.length });
      i += sym.length;
      continue;
    }
    if (ch === '=') throw new ConditionSyntaxError('use == to compare, not =', i);
    if (ch === '&' || ch === '|') throw new ConditionSyntaxError(`write "and" / "or", not "${ch}${ch}"`, i);
    throw new ConditionSyntaxError(`unexpected "${ch}"`, i);
  }
  out.push({ kind: 'end', at: text.length, end: text.length });
  return out;
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * A rule is parsed, frozen and evaluated by recursion, one level per parenthesis, `not`, `-` and
 * operator; these bounds keep that far from the stack's limit (and far above any real rule).
 */
export const RULE_LIMITS = { nesting: 32, operations: 100 } as const;

/** Parses a `when:` expression, or throws a RuleSyntaxError that says where and what to write. */
export function parseRule(text: string): ParsedRule {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const isSym = (t: Token, s: string) => t.kind === 'sym' && t.text === s;
  const isWord = (t: Token, w: string) => t.kind === 'name' && t.text === w;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end' : `"${text.slice(t.at, t.end)}"`);
  let depth = 0;
  let operations = 0;
  /** Parses `inner` one level deeper (a parenthesis, not, -), refusing the level past the bound. */
  const nested = <T>(t: Token, inner: () => T): T => {
    if (++depth > RULE_LIMITS.nesting)
      throw new ConditionSyntaxError(
        `the expression nests more than ${RULE_LIMITS.nesting} levels deep`,
        t.at,
        'remove parentheses, or split it into several rules',
      );
    const out = inner();
    depth--;
    return out;
  };
  /** Counts one and, or, +, -, * or /. */
  const operation = (t: Token) => {
    if (++operations > RULE_LIMITS.operations)
      throw new ConditionSyntaxError(
        `the expression has more than ${RULE_LIMITS.operations} operations`,
        t.at,
        'split it into several rules',
      );
  };
  const expect = (s: string, what: string) => {
    const t = next();
    if (!isSym(t, s)) throw new ConditionSyntaxError(`expected ${what}, found ${describe(t)}`, t.at);
    return t;
  };

  const or = (): RuleExpr => {
    let left = and();
    while (isWord(peek(), 'or')) {
      operation(next());
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): RuleExpr => {
    let left = not();
    while (isWord(peek(), 'and')) {
      operation(next());
      left = { kind: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): RuleExpr => {
    if (isWord(peek(), 'not')) return nested(next(), () => ({ kind: 'not', operand: not() }));
    return compare();
  };
  const compare = (): RuleExpr => {
    const left = sum();
    const t = peek();
    if (t.kind === 'sym' && COMPARISONS.has(t.text)) {
      next();
      return { kind: 'compare', op: t.text as ComparisonOp, left, right: sum() };
    }
    return left;
  };
  const sum = (): RuleExpr => {
    let left = product();
    for (let t = peek(); isSym(t, '+') || isSym(t, '-'); t = peek()) {
      operation(next());
      left = { kind: 'arith', op: t.kind === 'sym' && t.text === '+' ? '+' : '-', left, right: product() };
    }
    return left;
  };
  const product = (): RuleExpr => {
    let left = unary();
    for (let t = peek(); isSym(t, '*') || isSym(t, '/'); t = peek()) {
      operation(next());
      left = { kind: 'arith', op: t.kind === 'sym' && t.text === '*' ? '*' : '/', left, right: unary() };
    }
    return left;
  };
  const unary = (): RuleExpr => {
    if (isSym(peek(), '-')) return nested(next(), () => ({ kind: 'neg', operand: unary() }));
    return primary();
  };
  const primary = (): RuleExpr => {
    const t = next();
    if (t.kind === 'number')
      return t.unit ? { kind: 'number', value: t.value, unit: t.unit } : { kind: 'number', value: t.value };
    if (t.kind === 'string') return { kind: 'string', value: t.value };
    if (isSym(t, '('))
      return nested(t, () => {
        const inner = or();
        expect(')', 'a closing )');
        return inner;
      });
    if (t.kind === 'name') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true' };
      if (isSym(peek(), '(')) return { kind: 'call', call: call(t) };
      if (t.text.includes('.'))
        throw new ConditionSyntaxError(
          `${t.text} needs a function around it`,
          t.at,
          `write for example last(${t.text}) or avg(${t.text}, 5m)`,
        );
      throw new ConditionSyntaxError(
        `unknown name "${t.text}"`,
        t.at,
        `functions are ${FUNCTIONS.join(', ')}`,
      );
    }
    throw new ConditionSyntaxError(`expected a number, a string or a function, found ${describe(t)}`, t.at);
  };

  const reference = (withMetric: 'required' | 'none', fn: string): Reference => {
    const t = next();
    const parts = t.kind === 'name' ? t.text.split('.') : [];
    const wanted = withMetric === 'required' ? 3 : 2;
    if (parts.length !== wanted) {
      const shape = withMetric === 'required' ? 'service.check.metric' : 'service.check';
      throw new ConditionSyntaxError(
        `${fn}() takes ${shape}, found ${describe(t)}`,
        t.at,
        withMetric === 'required'
          ? `the metric is latency or a value the check reports, e.g. ${fn}(backend.health.latency${fn === 'last' ? '' : ', 5m'})`
          : `e.g. ${fn}(backend.health${fn === 'state' ? '' : ', 5m'})`,
      );
    }
    const [service, check, metric] = parts as [string, string, string?];
    return metric
      ? { check: `${service}.${check}`, metric, at: t.at }
      : { check: `${service}.${check}`, at: t.at };
  };
  const windowArg = (fn: string): number => {
    expect(',', `a comma and a window after the reference in ${fn}()`);
    const t = next();
    if (t.kind !== 'number' || t.unit !== 'ms' || !(t.value > 0))
      throw new ConditionSyntaxError(
        `${fn}() needs a window such as 5m, found ${describe(t)}`,
        t.at,
        UNITS_HINT,
      );
    return t.value;
  };
  const call = (name: Token & { kind: 'name' }): RuleCall => {
    const fn = name.text;
    next(); // (
    let out: RuleCall;
    if ((AGGREGATES as readonly string[]).includes(fn)) {
      const ref = reference('required', fn) as Reference & { metric: string };
      out = { kind: 'aggregate', fn: fn as AggregateFn, ref, windowMs: windowArg(fn), at: name.at, text: '' };
    } else if (fn === 'failure_rate' || fn === 'absent') {
      const ref = reference('none', fn);
      out = { kind: fn, ref, windowMs: windowArg(fn), at: name.at, text: '' };
    } else if (fn === 'last') {
      out = {
        kind: 'last',
        ref: reference('required', fn) as Reference & { metric: string },
        at: name.at,
        text: '',
      };
    } else if (fn === 'state') {
      out = { kind: 'state', ref: reference('none', fn), at: name.at, text: '' };
    } else {
      throw new ConditionSyntaxError(
        `unknown function ${fn}()`,
        name.at,
        `functions are ${FUNCTIONS.join(', ')}`,
      );
    }
    const close = expect(')', `a closing ) after ${fn}(...)`);
    out.text = text.slice(name.at, close.end);
    return out;
  };

  const expr = or();
  const end = peek();
  if (end.kind !== 'end')
    throw new ConditionSyntaxError(`unexpected ${describe(end)}`, end.at, 'join conditions with and / or');
  if (!isBoolean(expr))
    throw new ConditionSyntaxError(
      'a rule must be a comparison, such as p95(web.health.latency, 5m) > 1s',
      0,
    );
  return { text, expr };
}

function isBoolean(expr: RuleExpr): boolean {
  switch (expr.kind) {
    case 'compare':
    case 'and':
    case 'or':
    case 'not':
    case 'bool':
      return true;
    case 'call':
      return expr.call.kind === 'absent';
    default:
      return false;
  }
}

/** Every `service.check` the expression reads, with where it stands. */
export function referencesOf(expr: RuleExpr): Reference[] {
  switch (expr.kind) {
    case 'call':
      return [expr.call.ref];
    case 'neg':
    case 'not':
      return referencesOf(expr.operand);
    case 'arith':
    case 'compare':
    case 'and':
    case 'or':
      return [...referencesOf(expr.left), ...referencesOf(expr.right)];
    default:
      return [];
  }
}

/** Every function call in the expression, in reading order. */
export function callsOf(expr: RuleExpr): RuleCall[] {
  switch (expr.kind) {
    case 'call':
      return [expr.call];
    case 'neg':
    case 'not':
      return callsOf(expr.operand);
    case 'arith':
    case 'compare':
    case 'and':
    case 'or':
      return [...callsOf(expr.left), ...callsOf(expr.right)];
    default:
      return [];
  }
}
