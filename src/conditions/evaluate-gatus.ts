import type { GatusExpr, GatusTerm } from './ast.js';
import { globMatch, goInt, goNumber, jsonPath } from './gatus-values.js';
import type { ConditionSubject } from './subject.js';

/** A side resolved to the text Gatus compares; `invalid` when a [BODY] path did not resolve. */
interface Resolved {
  text: string;
  invalid?: string;
}

/** Gatus's rules: == and != compare text (integers as integers), < <= > >= compare numbers. */
export function evaluateGatus(
  expr: GatusExpr,
  subject: ConditionSubject,
): { ok: boolean; actual: string; reason?: string } {
  const left = resolve(expr.left, subject);
  const right = resolve(expr.right, subject);
  const reason = left.invalid ?? right.invalid;
  const base = reason ? { actual: left.text, reason } : { actual: left.text };
  if (expr.op === '==' || expr.op === '!=') {
    const same = isEqual(expr.left, left.text, expr.right, right.text);
    return { ...base, ok: expr.op === '==' ? same : !same };
  }
  // Gatus turns text that is not a number into 0.
  const a = goNumber(left.text) ?? 0;
  const b = goNumber(right.text) ?? 0;
  const ok = expr.op === '<' ? a < b : expr.op === '<=' ? a <= b : expr.op === '>' ? a > b : a >= b;
  return { ...base, ok };
}

function isEqual(lt: GatusTerm, left: string, rt: GatusTerm, right: string): boolean {
  if (lt.type === 'pattern' && rt.type !== 'pattern') return globMatch(lt.glob, right);
  if (rt.type === 'pattern' && lt.type !== 'pattern') return globMatch(rt.glob, left);
  if (lt.type === 'any' && rt.type !== 'any') return lt.options.includes(right);
  if (rt.type === 'any' && lt.type !== 'any') return rt.options.includes(left);
  const a = goInt(left);
  const b = goInt(right);
  if (a !== undefined && b !== undefined) return a === b;
  return left === right;
}

function resolve(term: GatusTerm, s: ConditionSubject): Resolved {
  switch (term.type) {
    case 'text':
      return { text: term.text };
    case 'pattern':
      return { text: `pat(${term.glob})` };
    case 'any':
      return { text: `any(${term.options.join(', ')})` };
    case 'placeholder':
      break;
  }
  if (term.name === 'BODY') return body(term, s.body ?? '');
  const text = placeholderText(term.name, s);
  if (term.fn === 'has') return { text: String(text !== '') };
  if (term.fn === 'len') return { text: String(Buffer.byteLength(text, 'utf8')) };
  return { text };
}

/** What Gatus substitutes for a placeholder; absent values are Go's zero values, as in Gatus. */
function placeholderText(
  name: Exclude<Extract<GatusTerm, { type: 'placeholder' }>['name'], 'BODY'>,
  s: ConditionSubject,
): string {
  switch (name) {
    case 'STATUS':
      return String(s.status ?? 0);
    case 'RESPONSE_TIME':
      return String(Math.trunc(s.latencyMs ?? 0));
    case 'CONNECTED':
      return String(s.connected ?? false);
    case 'CERTIFICATE_EXPIRATION':
      return String(Math.trunc(s.certExpiresInMs ?? 0));
    case 'DOMAIN_EXPIRATION':
      return String(Math.trunc(s.domainExpiresInMs ?? 0));
    case 'IP':
      return s.ip ?? '';
    case 'DNS_RCODE':
      return s.dnsRcode ?? '';
  }
}

function body(term: Extract<GatusTerm, { type: 'placeholder' }>, raw: string): Resolved {
  if (term.path === undefined) {
    if (term.fn === 'has') return { text: String(raw.trim() !== '') };
    if (term.fn === 'len')
      return { text: String(jsonPath('', raw)?.length ?? Buffer.byteLength(raw.trim())) };
    return { text: raw.trim() };
  }
  const found = jsonPath(term.path, raw);
  if (term.fn === 'has') return { text: String(found !== undefined) };
  if (!found) return { text: `[BODY].${term.path} (INVALID)`, invalid: `the body has no ${term.path}` };
  return { text: term.fn === 'len' ? String(found.length) : found.text };
}
