import { parseDuration } from '../config/duration.js';
import {
  type Call,
  type Comparison,
  type ConditionNode,
  ConditionSyntaxError,
  type FieldRef,
  type Operand,
} from './ast.js';

/** Gatus's placeholders and the Dayshift fields they read. */
const PLACEHOLDERS: Record<string, string> = {
  STATUS: 'status',
  BODY: 'body',
  RESPONSE_TIME: 'latency',
  CONNECTED: 'connected',
  CERTIFICATE_EXPIRATION: 'cert.expires_in',
  DOMAIN_EXPIRATION: 'domain.expires_in',
  IP: 'ip',
  DNS_RCODE: 'dns.rcode',
};
const OPERATORS: Comparison[] = ['==', '!=', '<=', '>=', '<', '>'];

/** True when the text uses Gatus's syntax: a `[PLACEHOLDER]`, or Gatus's len()/has() on the left. */
export function looksLikeGatus(text: string): boolean {
  return /\[[A-Z_]+\]/.test(text) || /^\s*(len|has)\(/.test(text);
}

/**
 * Gatus's syntax with Gatus's meaning: the operator splits the text; each side is a placeholder,
 * a function (`len`, `has`, `pat`, `any`) or a bare literal (numbers and durations compare as numbers,
 * everything else as text, unquoted).
 */
export function parseGatus(text: string): ConditionNode {
  const found = findOperator(text);
  if (!found) throw new ConditionSyntaxError('expected an operator: == != < <= > >=', text.length);
  const left = side(text.slice(0, found.at), 0);
  const right = side(text.slice(found.at + found.op.length), found.at + found.op.length);
  return { type: 'compare', op: found.op, left, right };
}

function findOperator(text: string): { op: Comparison; at: number } | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth > 0) continue;
    for (const op of OPERATORS) if (text.startsWith(op, i)) return { op, at: i };
  }
  return undefined;
}

function side(raw: string, offset: number): Operand {
  const leading = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const at = offset + leading;
  if (!text) throw new ConditionSyntaxError('a side of the condition is empty', at);
  const call = /^(len|has|pat|any)\((.*)\)$/s.exec(text);
  if (call) {
    const fn = call[1] as Call['fn'];
    const inner = call[2] ?? '';
    const innerAt = at + fn.length + 1;
    if (fn === 'pat') return { type: 'call', fn, args: [{ type: 'literal', value: inner }] };
    if (fn === 'any') return { type: 'call', fn, args: inner.split(',').map((part) => literal(part.trim())) };
    return { type: 'call', fn, args: [side(inner, innerAt)] };
  }
  const placeholder = /^\[([A-Z_]+)\](.*)$/s.exec(text);
  if (placeholder) {
    const name = placeholder[1] as string;
    const mapped = PLACEHOLDERS[name];
    if (!mapped) {
      throw new ConditionSyntaxError(
        `unknown placeholder [${name}]; Gatus has ${Object.keys(PLACEHOLDERS)
          .map((p) => `[${p}]`)
          .join(', ')}`,
        at,
      );
    }
    const [root, ...rest] = mapped.split('.');
    const ref: FieldRef = { type: 'field', root: root as string, path: rest };
    const suffix = placeholder[2] ?? '';
    if (suffix) {
      if (name !== 'BODY') throw new ConditionSyntaxError(`only [BODY] takes a path, not [${name}]`, at);
      ref.root = 'json';
      for (const m of suffix.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g))
        ref.path.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
    }
    return ref;
  }
  return literal(text);
}

function literal(text: string): Operand {
  if (/^-?\d+(\.\d+)?$/.test(text)) return { type: 'literal', value: Number(text) };
  const ms = parseDuration(text);
  if (ms !== undefined) return { type: 'literal', value: ms, unit: 'ms' };
  if (text === 'true' || text === 'false') return { type: 'literal', value: text === 'true' };
  return { type: 'literal', value: text };
}
