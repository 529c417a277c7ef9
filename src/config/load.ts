import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { DayshiftError } from '../errors.js';
import { checkReferences } from './cross-references.js';
import { parseDotenv } from './dotenv.js';
import { deepFreeze } from './freeze.js';
import { interpolate } from './interpolate.js';
import { type ConfigIssue, type ConfigWarning, dottedPath, formatIssues } from './issues.js';
import { positionOf } from './positions.js';
import { type StackConfig, stackSchema } from './schema.js';
import { stackErrorMap, toConfigIssues } from './zod-issues.js';

export type LoadResult =
  | { ok: true; config: StackConfig; warnings: ConfigWarning[]; path: string; dir: string }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigWarning[]; path: string };

/** The stack file a command works on: --config, then $DAYSHIFT_CONFIG, then ./dayshift.yaml. */
export function resolveConfigPath(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(option ?? env.DAYSHIFT_CONFIG ?? 'dayshift.yaml');
}

/**
 * Loads a stack file: YAML with positions, `${VAR}` from the environment and a `.env` beside the
 * file, every section validated, names cross-checked. Every problem is collected, not just the first.
 */
export function loadConfig(file: string, options: { env?: NodeJS.ProcessEnv } = {}): LoadResult {
  const absolute = path.resolve(file);
  const display = path.relative(process.cwd(), absolute) || absolute;
  if (!existsSync(absolute)) {
    throw new DayshiftError('CONFIG_NOT_FOUND', `no stack file at ${display}`, {
      hint: 'pass --config <file>, set DAYSHIFT_CONFIG, or write a dayshift.yaml (see examples/quickstart)',
    });
  }
  const text = readFileSync(absolute, 'utf8');
  const env = options.env ?? process.env;
  const dotenvPath = path.join(path.dirname(absolute), '.env');
  const dotenv = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath, 'utf8')) : {};
  // As in Docker Compose, the process environment wins over the .env file.
  const lookup = (name: string) => env[name] ?? dotenv[name];

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const errors: ConfigIssue[] = [];
  const warnings: ConfigWarning[] = [];
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    const duplicate = error.code === 'DUPLICATE_KEY';
    errors.push({
      file: display,
      line: pos.line,
      col: pos.col,
      path: '',
      message: duplicate
        ? `duplicate name: ${firstLine(error.message)}`
        : `invalid YAML: ${firstLine(error.message)}`,
      hint: duplicate ? 'each name may appear once in a mapping; rename or merge the two entries' : undefined,
    });
  }
  if (errors.length > 0) return { ok: false, errors, warnings, path: absolute };

  const unsetVariables = substituteVariables(doc, lines, display, lookup, errors, warnings);
  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const ctx = { file: display, doc, lines, data, unsetVariables };
  const parsed = stackSchema.safeParse(data, { error: stackErrorMap });
  if (!parsed.success) {
    errors.push(...toConfigIssues(parsed.error.issues, ctx));
  } else if (errors.length === 0) {
    checkReferences(parsed.data, (issuePath, message, hint) => {
      const value = valueAt(data, issuePath);
      errors.push({
        file: display,
        ...positionOf(doc, lines, issuePath, { key: typeof value === 'object' && value !== null }),
        path: dottedPath(issuePath),
        message,
        hint,
      });
    });
  }
  if (errors.length > 0 || !parsed.success) {
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    return { ok: false, errors, warnings, path: absolute };
  }
  return { ok: true, config: deepFreeze(parsed.data), warnings, path: absolute, dir: path.dirname(absolute) };
}

/** Loads a stack file or throws CONFIG_INVALID with every error in the message. */
export function loadConfigOrThrow(file: string, options: { env?: NodeJS.ProcessEnv } = {}) {
  const result = loadConfig(file, options);
  if (!result.ok) {
    throw new DayshiftError(
      'CONFIG_INVALID',
      `${result.errors.length} error(s) in the stack file:\n${formatIssues(result.errors)}`,
      {
        hint: 'fix them and run `dayshift validate`',
      },
    );
  }
  return result;
}

/** Replaces `${VAR}` in every string value (not keys); returns the variables left unset, by value path. */
function substituteVariables(
  doc: Document,
  lines: LineCounter,
  file: string,
  lookup: (name: string) => string | undefined,
  errors: ConfigIssue[],
  warnings: ConfigWarning[],
): Map<string, string[]> {
  const unsetByPath = new Map<string, string[]>();
  visit(doc, {
    Scalar(key, node, ancestry) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const result = interpolate(node.value, lookup);
      const start = node.range?.[0] ?? 0;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
      const valuePath = pathOf(ancestry, node);
      for (const error of result.errors) {
        const pos = lines.linePos(start + quoted + error.offset);
        errors.push({
          file,
          line: pos.line,
          col: pos.col,
          path: dottedPath(valuePath),
          message: error.message,
          hint: 'set it in the environment or in .env beside the file',
        });
      }
      if (result.unset.length > 0) {
        const pos = lines.linePos(start);
        unsetByPath.set(dottedPath(valuePath), result.unset);
        warnings.push({
          file,
          line: pos.line,
          col: pos.col,
          message: `${result.unset.join(', ')} not set; using an empty string`,
        });
      }
      node.value = result.value;
    },
  });
  return unsetByPath;
}

/** The key path of a node from the visitor's ancestry (documents, maps, pairs, sequences). */
function pathOf(ancestry: readonly unknown[], node: unknown): Array<string | number> {
  const out: Array<string | number> = [];
  const chain = [...ancestry, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && child === parent.value && isScalar(parent.key)) out.push(String(parent.key.value));
    else if (isSeq(parent)) out.push(parent.items.indexOf(child as never));
  }
  return out;
}

function valueAt(data: unknown, p: ReadonlyArray<PropertyKey>): unknown {
  let current = data;
  for (const segment of p) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
