import type { z } from 'zod';
import { closest, didYouMean } from '../schema/did-you-mean.js';
import { type KindedInfo, kindedObjects } from '../schema/plugin.js';
import { type ConfigIssue, dottedPath } from './issues.js';
import type { SourceMap } from './source-map.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** Extra facts a schema attaches to a custom issue. */
interface IssueParams {
  /** 0-based column inside the string value (conditions). */
  column?: number;
  hint?: string;
  /** false when the message already says what was found. */
  got?: boolean;
  /** 'key' points at the key of the path rather than its value. */
  at?: 'key';
  /** The value may be a secret: never echo it. */
  secret?: boolean;
  /** Set by kinded objects: how many kind keys they found. */
  kindCount?: number;
}

const UNKNOWN_KEYS = 'dayshift:unknown-keys:';
const DEFAULT_UNION_MESSAGE = 'expected a different kind of value';

/** Messages in the file's words; a schema's own message wins over these. */
export function stackErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys': {
      // The mapper below needs the keys this object accepts; the message is the only way to carry them.
      const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
      const known = Object.keys(inst?._zod?.def?.shape ?? {});
      const kinded = issue.inst ? kindedObjects.get(issue.inst as z.ZodType) : undefined;
      return UNKNOWN_KEYS + JSON.stringify({ known, kinded });
    }
    case 'invalid_type':
      return `expected ${article(issue.expected)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${String(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? 'expected a non-empty string'
          : `expected a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${issue.maximum} items`
        : `expected a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_union':
      return DEFAULT_UNION_MESSAGE;
    default:
      return undefined;
  }
}

/** Turns Zod's issues for one section into positioned, readable config issues. */
export function toConfigIssues(
  issues: readonly Issue[],
  prefix: readonly PropertyKey[],
  source: SourceMap,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  /** Unknown keys by the dotted path of their object. */
  const unknownKeys = new Map<string, string[]>();
  const scan = (list: readonly Issue[], base: readonly PropertyKey[]) => {
    for (const i of list)
      if (i.code === 'unrecognized_keys') unknownKeys.set(dottedPath([...base, ...i.path]), [...i.keys]);
  };
  scan(issues, prefix);

  const visit = (issue: Issue, base: readonly PropertyKey[]) => {
    const path = [...base, ...issue.path];
    const here = dottedPath(path);
    if (issue.code === 'unrecognized_keys') {
      const { known, kinded } = JSON.parse(issue.message.slice(UNKNOWN_KEYS.length)) as {
        known: string[];
        kinded?: KindedInfo;
      };
      for (const key of issue.keys) out.push(unknownKey(path, key, known, kinded, source));
      return;
    }
    if (issue.code === 'invalid_union') {
      const branch = bestBranch(issue.errors, source.valueAt(path));
      if (branch) {
        scan(branch, path);
        for (const inner of branch) visit(inner, path);
        return;
      }
    }
    const params = ((issue as { params?: IssueParams }).params ?? {}) as IssueParams;
    // A kinded object with a mistyped kind reports the unknown key; "no kind key" would say it twice.
    if (params.kindCount === 0 && unknownKeys.has(here)) return;
    const value = source.valueAt(path);
    if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
      value === undefined &&
      path.length > 0
    ) {
      const key = String(path.at(-1));
      // `wran:` is reported as an unknown key that means `warn`; "missing `warn`" would say it twice.
      const typos = unknownKeys.get(dottedPath(path.slice(0, -1))) ?? [];
      if (typos.some((typo) => closest(typo, [key]) === key)) return;
      out.push({
        file: source.file,
        ...source.position(path.slice(0, -1), { key: true }),
        path: here,
        message: `missing required key \`${key}\``,
        hint: issue.message.startsWith('expected') ? `${issue.message} here` : undefined,
      });
      return;
    }
    let message = issue.code === 'invalid_union' ? unionMessage(issue) : issue.message;
    let hint = params.hint;
    if (issue.code === 'invalid_key') {
      message = `invalid name \`${String(path.at(-1))}\`: ${issue.issues[0]?.message ?? 'not allowed here'}`;
    } else if (params.got !== false && value !== undefined && !isSecretValue(path, value, params, source)) {
      message += `, got ${describe(value)}`;
    }
    if (issue.code === 'invalid_value' && typeof value === 'string')
      hint ??= didYouMean(value, issue.values.map(String));
    hint ??= source.unsetHint(path);
    const position =
      params.column !== undefined
        ? source.position(path, { offset: params.column })
        : source.position(path, { key: params.at === 'key' || issue.code === 'invalid_key' });
    out.push({ file: source.file, ...position, path: here, message, ...(hint ? { hint } : {}) });
  };

  for (const issue of issues) visit(issue, prefix);
  return out;
}

/**
 * The alternative of a union that the value was meant for: not one that refused its type outright, and
 * of the rest the one that got deepest into the value before failing.
 */
function bestBranch(branches: readonly (readonly Issue[])[], value: unknown): readonly Issue[] | undefined {
  const scalar = value === null || typeof value !== 'object';
  const refusesType = (b: readonly Issue[]) =>
    b.some(
      (i) => i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_value' && !scalar)),
    );
  const depth = (b: readonly Issue[]) => Math.max(...b.map((i) => i.path.length));
  const candidates = branches.filter((b) => b.length > 0 && !refusesType(b));
  return [...candidates].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
}

/** A union's own message, or "expected a string or a mapping" from what its alternatives accept. */
function unionMessage(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  if (issue.message !== DEFAULT_UNION_MESSAGE) return issue.message;
  const accepted = new Set<string>();
  for (const branch of issue.errors)
    for (const inner of branch)
      if (inner.path.length === 0 && inner.code === 'invalid_type') accepted.add(article(inner.expected));
  return accepted.size > 0 ? `expected ${[...accepted].join(' or ')}` : issue.message;
}

function unknownKey(
  path: readonly PropertyKey[],
  key: string,
  known: readonly string[],
  kinded: KindedInfo | undefined,
  source: SourceMap,
): ConfigIssue {
  const at = {
    file: source.file,
    ...source.position([...path, key], { key: true }),
    path: dottedPath([...path, key]),
  };
  const guess = closest(key, known);
  if (kinded) {
    const kinds = kinded.kinds;
    const common = known.filter((k) => !kinds.includes(k));
    const holder = source.valueAt(path) as Record<string, unknown> | undefined;
    const hasKind = kinds.some((k) => holder?.[k] !== undefined);
    const list = `${kinded.what}s: ${kinds.join(', ')}`;
    if ((guess && kinds.includes(guess)) || (!guess && !hasKind))
      return {
        ...at,
        message: `unknown ${kinded.what} \`${key}\``,
        hint: guess ? `did you mean \`${guess}\`? ${list}` : list,
      };
    return {
      ...at,
      message: `unknown key \`${key}\``,
      hint: guess
        ? `did you mean \`${guess}\`?`
        : `allowed here: ${common.join(', ')}, and one of the ${list}`,
    };
  }
  return {
    ...at,
    message: `unknown key \`${key}\``,
    hint: guess
      ? `did you mean \`${guess}\`?`
      : known.length
        ? `allowed here: ${known.join(', ')}`
        : undefined,
  };
}

const SECRET_KEY = /pass|secret|token|routing_key|api_key|webhook|credential|dsn/i;

/** Values that may be secrets are never echoed in an error, even when they are wrong. */
function isSecretValue(
  path: readonly PropertyKey[],
  value: unknown,
  params: IssueParams,
  source: SourceMap,
): boolean {
  if (params.secret) return true;
  const key = String(path.at(-1) ?? '');
  if (SECRET_KEY.test(key)) return true;
  if (typeof value === 'string' && value.includes('@') && /url|smtp|repository/i.test(key)) return true;
  return source.variablesAt(path).some((v) => SECRET_KEY.test(v) || /URL|DSN/.test(v));
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return value.length > 60 ? `"${value.slice(0, 57)}..."` : JSON.stringify(value);
  return String(value);
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
  };
  return words[expected] ?? expected;
}
