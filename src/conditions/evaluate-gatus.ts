import type { GatusExpr, GatusTerm } from './ast.js';
import { goInt, goNumber, jsonPath } from './gatus-values.js';
import { globMatch } from './go-glob.js';
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
    const same = gatusEqual(left.text, right.text);
    return { ...base, ok: expr.op === '==' ? same : !same };
  }
  // Gatus turns text that is not a number into 0.
  const a = goNumber(left.text) ?? 0n;
  const b = goNumber(right.text) ?? 0n;
  const ok = expr.op === '<' ? a < b : expr.op === '<=' ? a <= b : expr.op === '>' ? a > b : a >= b;
  return { ...base, ok };
}

/**
 * Gatus's equality, on the texts both sides resolved to: `pat(...)` on one side only is a glob for the
 * other, `any(...)` on one side only is a list of texts, two integers compare as integers (in any base
 * Go reads), and anything else compares as text. Gatus applies this to resolved values too, so a body
 * that reads `pat(x*)` is a pattern; that is kept, since Gatus users may rely on it.
 */
function gatusEqual(left: string, right: string): boolean {
  let first = left;
  let second = right;
  const firstCall = first.endsWith(')');
  const secondCall = second.endsWith(')');
  if (firstCall || secondCall) {
    const firstPattern = firstCall && first.startsWith('pat(');
    const secondPattern = secondCall && second.startsWith('pat(');
    if (firstPattern) first = first.slice(4, -1);
    if (secondPattern) second = second.slice(4, -1);
    if (firstPattern !== secondPattern)
      return firstPattern ? globMatch(first, second) : globMatch(second, first);
    const firstAny = firstCall && first.startsWith('any(');
    const secondAny = secondCall && second.startsWith('any(');
    if (firstAny && !secondAny) return optionsOf(first).includes(second);
    if (secondAny && !firstAny) return optionsOf(second).includes(first);
    if (firstAny) first = first.slice(4, -1);
    if (secondAny) second = second.slice(4, -1);
  }
  const a = goInt(first);
  const b = goInt(second);
  if (a !== undefined && b !== undefined) return a === b;
  return first === second;
}

function optionsOf(call: string): string[] {
  const inner = call.endsWith(')') ? call.slice(4, -1) : call.slice(4);
  return inner.split(',').map((o) => o.trim());
}

function resolve(term: GatusTerm, s: ConditionSubject): Resolved {
  switch (term.type) {
    case 'text':
      return { text: term.text };
    case 'pattern':
      return { text: `pat(${term.glob})` };
    case 'any':
      return { text: `any(${term.options.join(',')})` };
    case 'context':
      return contextValue(term, s.context);
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

/** A captured value, as Gatus reads its suite context: a name no earlier step captured is INVALID. */
function contextValue(
  term: Extract<GatusTerm, { type: 'context' }>,
  context: Record<string, string> | undefined,
): Resolved {
  const value = context && Object.hasOwn(context, term.name) ? context[term.name] : undefined;
  if (term.fn === 'has') return { text: String(value !== undefined) };
  if (value === undefined)
    return {
      text: `${term.fn ? 'len(' : ''}[CONTEXT].${term.name}${term.fn ? ')' : ''} (INVALID)`,
      invalid: `no earlier step captured ${term.name}`,
    };
  return { text: term.fn === 'len' ? String(Buffer.byteLength(value, 'utf8')) : value };
}
