import type { DayshiftExpr, FieldRef, Literal, PathSegment } from './ast.js';
import type { ConditionSubject } from './subject.js';

/** A field the result does not have; distinct from a JSON null. */
export const MISSING: unique symbol = Symbol('missing');
type Value = unknown;

export function evaluateDayshift(
  expr: DayshiftExpr,
  subject: ConditionSubject,
): { ok: boolean; actual: Value } {
  const actual = read(expr.left, subject);
  if (expr.type === 'exists') return { ok: actual !== MISSING && actual !== null, actual };
  if (actual === MISSING) return { ok: false, actual };
  switch (expr.type) {
    case 'in':
      return { ok: expr.items.some((item) => equal(actual, item)), actual };
    case 'contains':
      if (Array.isArray(actual)) return { ok: actual.some((x) => equal(x, expr.right)), actual };
      if (actual !== null && typeof actual === 'object')
        return { ok: String(expr.right.value) in actual, actual };
      return { ok: scalarText(actual).includes(String(expr.right.value)), actual };
    case 'matches':
      return { ok: new RegExp(expr.pattern, expr.flags).test(scalarText(actual)), actual };
    case 'compare': {
      if (expr.op === '==') return { ok: equal(actual, expr.right), actual };
      if (expr.op === '!=') return { ok: !equal(actual, expr.right), actual };
      const a = numeric(actual);
      const b = expr.right.value as number;
      if (a === undefined) return { ok: false, actual };
      const ok = expr.op === '<' ? a < b : expr.op === '<=' ? a <= b : expr.op === '>' ? a > b : a >= b;
      return { ok, actual };
    }
  }
}

/** Reads a field from the result; MISSING when the result has no such value. */
export function read(ref: FieldRef, subject: ConditionSubject): Value {
  const has = <T>(v: T | undefined): T | typeof MISSING => (v === undefined ? MISSING : v);
  switch (ref.name) {
    case 'status':
      return has(subject.status);
    case 'latency':
      return has(subject.latencyMs);
    case 'body':
      return has(subject.body);
    case 'json':
      return walk(parseJson(subject.body), ref.path);
    case 'header': {
      const wanted = String(ref.path[0]).toLowerCase();
      const entry = Object.entries(subject.headers ?? {}).find(([k]) => k.toLowerCase() === wanted);
      return entry ? entry[1] : MISSING;
    }
    case 'cert':
      return ref.path[0] === 'issuer' ? has(subject.certIssuer) : has(subject.certExpiresInMs);
    case 'exit_code':
      return has(subject.exitCode);
    case 'stdout':
      return has(subject.stdout);
    case 'connected':
      return has(subject.connected);
    case 'params':
    case 'steps':
      return subject.run ? walk(subject.run[ref.name], ref.path) : MISSING;
    default:
      return has(subject.values?.[ref.name]);
  }
}

/** The last body parsed: a check's conditions read the same body one after another. */
let lastParsed: { body: string; value: Value } | undefined;

function parseJson(body: string | undefined): Value {
  if (body === undefined) return MISSING;
  if (lastParsed?.body === body) return lastParsed.value;
  let value: Value;
  try {
    value = JSON.parse(body);
  } catch {
    value = MISSING;
  }
  lastParsed = { body, value };
  return value;
}

function walk(value: Value, path: readonly PathSegment[]): Value {
  let current = value;
  for (const key of path) {
    if (current === MISSING || current === null || typeof current !== 'object') return MISSING;
    const next = (current as Record<string | number, unknown>)[key];
    if (next === undefined) return MISSING;
    current = next;
  }
  return current;
}

/** Numbers, and text that is a number (headers, JSON strings), compare as numbers. */
function numeric(value: Value): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/**
 * Equality by the literal's type: a number literal equals a number or numeric text; a string literal
 * equals the same text (numbers and booleans are compared by their text); true/false equal a boolean
 * or the text "true"/"false"; null equals only null.
 */
function equal(actual: Value, literal: Literal): boolean {
  const expected = literal.value;
  if (expected === null) return actual === null;
  if (typeof expected === 'number') return numeric(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected || actual === String(expected);
  return ['string', 'number', 'boolean'].includes(typeof actual) && String(actual) === expected;
}

function scalarText(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : JSON.stringify(value);
}
