import type { ConditionNode, FieldRef, Literal, Operand, ParsedCondition } from './ast.js';

/** What a check produced, as conditions see it. Every field is optional: kinds fill what they measure. */
export interface ConditionSubject {
  status?: number;
  latencyMs?: number;
  body?: string;
  headers?: Record<string, string>;
  certExpiresInMs?: number;
  certIssuer?: string;
  exitCode?: number;
  stdout?: string;
  connected?: boolean;
  ip?: string;
  dnsRcode?: string;
  domainExpiresInMs?: number;
  /** The number a sql/redis/command/host check yields is `value`; named values sit beside it. */
  values?: Record<string, number | string | boolean | null>;
}

/** One condition's verdict, with the actual value so "why is it red" is answered. */
export interface ConditionResult {
  expr: string;
  ok: boolean;
  actual: unknown;
  severity: 'fail' | 'warn';
  error?: string;
}

const MISSING = Symbol('missing');

export function evaluateCondition(condition: ParsedCondition, subject: ConditionSubject): ConditionResult {
  const base = { expr: condition.source, severity: condition.severity };
  try {
    const { ok, actual } = evaluateNode(condition.node, subject, condition.syntax);
    return { ...base, ok, actual: actual === MISSING ? null : actual };
  } catch (error) {
    return { ...base, ok: false, actual: null, error: (error as Error).message };
  }
}

function evaluateNode(node: ConditionNode, subject: ConditionSubject, syntax: 'dayshift' | 'gatus') {
  const actual = resolve(node.left, subject);
  switch (node.type) {
    case 'exists':
      return { ok: actual !== MISSING && actual !== null && actual !== undefined, actual };
    case 'in':
      return { ok: node.items.some((item) => equal(actual, item.value)), actual };
    case 'contains': {
      const needle = resolve(node.right, subject);
      if (Array.isArray(actual)) return { ok: actual.some((x) => equal(x, needle)), actual };
      return { ok: typeof actual === 'string' && actual.includes(String(needle)), actual };
    }
    case 'matches':
      return { ok: typeof actual === 'string' && new RegExp(node.pattern, node.flags).test(actual), actual };
    case 'compare': {
      const right = node.right;
      if (right.type === 'call' && (right.fn === 'pat' || right.fn === 'any')) {
        const hit =
          right.fn === 'pat'
            ? globMatch(String(resolve(right.args[0] as Operand, subject)), stringOf(actual))
            : right.args.some((arg) => equal(actual, resolve(arg, subject), syntax));
        return { ok: node.op === '!=' ? !hit : hit, actual };
      }
      const expected = resolve(right, subject);
      switch (node.op) {
        case '==':
          return { ok: equal(actual, expected, syntax), actual };
        case '!=':
          return { ok: !equal(actual, expected, syntax), actual };
        default: {
          const a = toNumber(actual);
          const b = toNumber(expected);
          if (a === undefined || b === undefined) return { ok: false, actual };
          const ok = node.op === '<' ? a < b : node.op === '<=' ? a <= b : node.op === '>' ? a > b : a >= b;
          return { ok, actual };
        }
      }
    }
  }
}

function resolve(operand: Operand, subject: ConditionSubject): unknown {
  if (operand.type === 'literal') return (operand as Literal).value;
  if (operand.type === 'call') {
    const inner = resolve(operand.args[0] as Operand, subject);
    if (operand.fn === 'len') {
      if (Array.isArray(inner) || typeof inner === 'string') return inner.length;
      if (inner && typeof inner === 'object') return Object.keys(inner).length;
      return 0;
    }
    if (operand.fn === 'has') return inner !== MISSING && inner !== null && inner !== undefined;
    return inner;
  }
  return field(operand, subject);
}

function field(ref: FieldRef, subject: ConditionSubject): unknown {
  switch (ref.root) {
    case 'status':
      return subject.status ?? MISSING;
    case 'latency':
      return subject.latencyMs ?? MISSING;
    case 'body':
      return subject.body ?? MISSING;
    case 'json':
      return walk(parseBody(subject.body), ref.path);
    case 'header': {
      const name = String(ref.path[0] ?? '').toLowerCase();
      const entry = Object.entries(subject.headers ?? {}).find(([k]) => k.toLowerCase() === name);
      return entry ? entry[1] : MISSING;
    }
    case 'cert':
      return ref.path[0] === 'issuer'
        ? (subject.certIssuer ?? MISSING)
        : (subject.certExpiresInMs ?? MISSING);
    case 'domain':
      return subject.domainExpiresInMs ?? MISSING;
    case 'exit_code':
      return subject.exitCode ?? MISSING;
    case 'stdout':
      return subject.stdout ?? MISSING;
    case 'connected':
      return subject.connected ?? MISSING;
    case 'ip':
      return subject.ip ?? MISSING;
    case 'dns':
      return subject.dnsRcode ?? MISSING;
    default: {
      const value = subject.values?.[ref.root];
      return value === undefined ? MISSING : walk(value, ref.path);
    }
  }
}

function parseBody(body: string | undefined): unknown {
  if (body === undefined) return MISSING;
  try {
    return JSON.parse(body);
  } catch {
    return MISSING;
  }
}

function walk(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === MISSING || current === null || typeof current !== 'object') return MISSING;
    current = (current as Record<string | number, unknown>)[key];
    if (current === undefined) return MISSING;
  }
  return current;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Numbers compare as numbers; Gatus compares everything else as text, Dayshift by strict value. */
function equal(a: unknown, b: unknown, syntax: 'dayshift' | 'gatus' = 'dayshift'): boolean {
  if (a === MISSING) return false;
  const na = toNumber(a);
  const nb = toNumber(b);
  if (typeof a === 'number' || typeof b === 'number') return na !== undefined && na === nb;
  if (syntax === 'gatus') return stringOf(a) === stringOf(b);
  return a === b;
}

function stringOf(value: unknown): string {
  if (value === MISSING || value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Gatus's pat(): `*` is any run of characters; the whole text must match. */
function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(text);
}
