import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { coerceError, DayshiftError } from '../errors.js';
import { deepFreeze } from '../schema/freeze.js';
import { scrubSecrets } from '../schema/secret.js';
import { parseDotenvLines } from './dotenv.js';
import { byPosition, type ConfigIssue, type ConfigWarning, formatIssues, printable } from './issues.js';
import type { StackConfig } from './schema.js';
import { SourceMap } from './source-map.js';
import { stackHash } from './stack-hash.js';
import { substituteVariables } from './substitute.js';
import { validateStack } from './validate-stack.js';
import { YAML_LIMITS } from './yaml-limits.js';
import { readYaml } from './yaml-source.js';

export { resolveConfigPath } from './config-path.js';

export type LoadResult =
  | {
      ok: true;
      config: StackConfig;
      warnings: ConfigWarning[];
      path: string;
      dir: string;
      /** SHA-256 of the text loaded and its `.env` (`stack-hash.ts`): what a node records it serves. */
      hash: string;
    }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigWarning[]; path: string };

export interface LoadOptions {
  /** The environment for `${VAR}` and $DAYSHIFT_DATABASE_URL; process.env by default (tests inject one). */
  env?: Record<string, string | undefined>;
}

/**
 * Loads a stack file: YAML with positions, `${VAR}` from the environment and a `.env` beside the
 * file, every section validated, names cross-checked, the result frozen. Every problem is collected
 * and reported at once, in file order; nothing is thrown for a bad file.
 */
export function loadConfig(file: string, options: LoadOptions = {}): LoadResult {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const display = path.relative(process.cwd(), absolute) || absolute;
  if (!existsSync(absolute)) {
    throw new DayshiftError('CONFIG_NOT_FOUND', `no stack file at ${display}`, {
      hint: 'write one with `dayshift init` (from the Compose file here, if any), or pass --config <file> or set DAYSHIFT_CONFIG',
    });
  }
  const env = options.env ?? process.env;
  const warnings: ConfigWarning[] = [];
  const { values: dotenv, text: dotenvText } = readDotenv(path.join(dir, '.env'), warnings);
  // As in Docker Compose, the process environment wins over the .env file.
  const lookup = (name: string) => env[name] ?? dotenv[name];

  const text = readStackFile(absolute, display);
  let errors: ConfigIssue[];
  let config: StackConfig | undefined;
  try {
    const loaded = loadText(text, display, lookup, { dir, env }, warnings);
    if ('config' in loaded) config = loaded.config;
    errors = 'errors' in loaded ? loaded.errors : [];
  } catch (error) {
    // Every bad file is meant to be an issue found above; this is the guard for the one that is not.
    errors = [unexpected(error, display)];
  }
  // Keys and values are quoted in messages: a control byte in them must not reach a terminal raw.
  const shown = warnings.map((w) => ({ ...w, path: printable(w.path), message: printable(w.message) }));
  if (config) {
    const hash = stackHash(text, dotenvText);
    return { ok: true, config: deepFreeze(config), warnings: sorted(shown), path: absolute, dir, hash };
  }
  const safe = errors.map((e) => ({
    ...e,
    file: printable(e.file),
    path: printable(e.path),
    message: printable(scrubSecrets(e.message)),
    ...(e.hint ? { hint: printable(scrubSecrets(e.hint)) } : {}),
  }));
  return { ok: false, errors: sorted(safe), warnings: sorted(shown), path: absolute };
}

/** The file's text; one that exists but cannot be read (a directory, no permission) is CONFIG_NOT_FOUND. */
function readStackFile(file: string, display: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DayshiftError(
      'CONFIG_NOT_FOUND',
      code === 'EISDIR'
        ? `${display} is a directory, not a stack file`
        : `cannot read the stack file ${display} (${code ?? coerceError(error).message})`,
      {
        cause: error,
        hint:
          code === 'EISDIR'
            ? `pass the file in it: --config ${path.join(display, 'dayshift.yaml')}`
            : 'check that the file is readable by this user',
      },
    );
  }
}

/** YAML, then variables, then every section; the config only when nothing is wrong. */
function loadText(
  text: string,
  display: string,
  lookup: (name: string) => string | undefined,
  context: { dir: string; env: Record<string, string | undefined> },
  warnings: ConfigWarning[],
): { config: StackConfig } | { errors: ConfigIssue[] } {
  const { doc, lines, syntaxErrors, duplicateErrors } = readYaml(text, display);
  const substituted = substituteVariables(doc, lines, display, lookup);
  warnings.push(...substituted.warnings);
  const errors = [...syntaxErrors, ...duplicateErrors, ...substituted.errors];
  // Past a syntax error the document is a guess; validating it would report noise.
  if (syntaxErrors.length > 0) return { errors };
  // readYaml bounded the aliases already; the library's own bound stays as a second line.
  const data = doc.toJS({ maxAliasCount: YAML_LIMITS.aliasExpansions * 20 }) as unknown;
  const source = new SourceMap(display, doc, lines, data, substituted.substitutions);
  const validated = validateStack(data, source, context);
  // A value whose variable is missing is reported once, as the variable, not again as a bad value.
  const reported = new Set(substituted.errors.map((e) => e.path));
  errors.push(...validated.errors.filter((e) => !reported.has(e.path)));
  if (errors.length === 0 && validated.config) return { config: validated.config };
  return { errors };
}

/** An exception while loading is a bug in Dayshift, but the file is still the input to blame and fix. */
function unexpected(thrown: unknown, file: string): ConfigIssue {
  const error = coerceError(thrown);
  const deep = error instanceof RangeError && /call stack/i.test(error.message);
  return {
    file,
    line: 1,
    col: 1,
    path: '',
    message: deep
      ? 'the file nests values too deeply to be read'
      : `the file could not be read: ${firstLine(error.message)}`,
    hint: 'this is a bug in Dayshift; please report it with the file. Meanwhile, simplify the part you changed last',
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Loads a stack file or throws CONFIG_INVALID whose message holds every error. */
export function loadConfigOrThrow(
  file: string,
  options: LoadOptions = {},
): Extract<LoadResult, { ok: true }> {
  const result = loadConfig(file, options);
  if (!result.ok) {
    const n = result.errors.length;
    throw new DayshiftError(
      'CONFIG_INVALID',
      `${n} error${n === 1 ? '' : 's'} in the stack file:\n${formatIssues(result.errors)}`,
      {
        hint: 'fix them and run `dayshift validate`',
      },
    );
  }
  return result;
}

function readDotenv(
  file: string,
  warnings: ConfigWarning[],
): { values: Record<string, string>; text?: string } {
  if (!existsSync(file)) return { values: {} };
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? coerceError(error).message;
    warnings.push({ file: display, line: 1, col: 1, path: '', message: `cannot be read (${code}); ignored` });
    return { values: {} };
  }
  const { values, invalid } = parseDotenvLines(text);
  for (const line of invalid)
    warnings.push({ file: display, line, col: 1, path: '', message: 'not a KEY=VALUE line; ignored' });
  return { values, text };
}

function sorted<T extends { line: number; col: number }>(items: T[]): T[] {
  return [...items].sort(byPosition);
}
