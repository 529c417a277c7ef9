import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { type ConfigIssue, didYouMean, dottedPath } from './issues.js';
import { positionOf } from './positions.js';
import type { ValueIssueParams } from './schema-helpers.js';

const UNKNOWN_KEYS = 'dayshift:unknown-keys:';

/**
 * Zod's error map for the stack file: an unknown key's message carries the keys the object does
 * accept, so the hint can name the closest one.
 */
export function stackErrorMap(issue: {
  code?: string;
  keys?: string[];
  inst?: unknown;
}): { message: string } | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const shape =
    (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape ?? {};
  return { message: UNKNOWN_KEYS + JSON.stringify(Object.keys(shape)) };
}

type Issue = z.core.$ZodIssue;

/** Turns Zod's issues into positioned, readable config issues. */
export function toConfigIssues(
  issues: readonly Issue[],
  ctx: {
    file: string;
    doc: Document;
    lines: LineCounter;
    data: unknown;
    unsetVariables: Map<string, string[]>;
  },
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const at = (path: ReadonlyArray<PropertyKey>, options: { key?: boolean; offset?: number } = {}) =>
    positionOf(ctx.doc, ctx.lines, path, options);

  const visit = (issue: Issue, prefix: ReadonlyArray<PropertyKey>) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known: string[] = issue.message.startsWith(UNKNOWN_KEYS)
        ? JSON.parse(issue.message.slice(UNKNOWN_KEYS.length))
        : [];
      for (const key of issue.keys) {
        const hint =
          didYouMean(key, known) ?? (known.length ? `allowed here: ${known.join(', ')}` : undefined);
        out.push({
          file: ctx.file,
          ...at([...path, key], { key: true }),
          path: dottedPath([...path, key]),
          message: `unknown key \`${key}\``,
          hint,
        });
      }
      return;
    }
    if (issue.code === 'invalid_union') {
      // Report the alternative that got furthest: the one whose problems lie deepest in the value.
      const branches = issue.errors.filter((b) => b.length > 0);
      const depth = (b: readonly Issue[]) =>
        Math.max(...b.map((i) => (i.code === 'invalid_type' ? -1 : i.path.length)));
      const best = [...branches].sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) >= 0) {
        for (const inner of best) visit(inner, path);
        return;
      }
    }
    const value = valueAt(ctx.data, path);
    const params = (issue as { params?: ValueIssueParams }).params;
    let message = issue.message;
    let hint = params?.hint;
    let position = at(path, params?.column !== undefined ? { offset: params.column } : {});
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined) {
      const parent = path.slice(0, -1);
      message = `missing required key \`${String(path.at(-1))}\``;
      position = at(parent);
    } else if (issue.code === 'invalid_type') {
      message = `expected ${article(issue.expected)}, got ${describe(value)}`;
    } else if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
      const allowed = issue.values.map((v) => String(v));
      message = `expected one of ${allowed.join(', ')}, got ${describe(value)}`;
      if (typeof value === 'string') hint ??= didYouMean(value, allowed);
    } else if (issue.code === 'invalid_union') {
      message = `expected ${describeUnion(issue)}, got ${describe(value)}`;
    } else if (issue.code === 'too_small' || issue.code === 'too_big') {
      message = sizeMessage(issue);
    }
    // A value that came out empty because its variable was not set says so.
    const unset = ctx.unsetVariables.get(dottedPath(path));
    if (unset?.length && !hint)
      hint = `the variable${unset.length > 1 ? 's' : ''} ${unset.join(', ')} ${unset.length > 1 ? 'are' : 'is'} not set`;
    out.push({ file: ctx.file, ...position, path: dottedPath(path), message, hint });
  };

  for (const issue of issues) visit(issue, []);
  return out;
}

function sizeMessage(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(
    small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum,
  );
  const bound = small ? 'at least' : 'at most';
  if (issue.origin === 'array') return `expected ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
  if (issue.origin === 'string')
    return small && limit === 1 ? 'expected a non-empty value' : `expected ${bound} ${limit} characters`;
  return `expected a number ${small ? '>=' : '<='} ${limit}`;
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value.length > 40 ? 'a string' : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    int: 'a whole number',
  };
  return words[expected] ?? expected;
}

function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const inner of branch)
      if (inner.code === 'invalid_type' && inner.path.length === 0) expected.add(article(inner.expected));
  }
  return expected.size ? [...expected].join(' or ') : 'a different value';
}
