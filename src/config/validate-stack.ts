import path from 'node:path';
import { didYouMean } from '../schema/did-you-mean.js';
import { secretUrl } from '../schema/secret-schema.js';
import { checkReferences, namesIn } from './cross-references.js';
import { DEFAULTS } from './defaults.js';
import { type ConfigIssue, dottedPath } from './issues.js';
import { checkRestoreSteps } from './restore-steps.js';
import { finishStack, type ParsedSections, type SectionName, type StackConfig, sections } from './schema.js';
import type { SourceMap } from './source-map.js';
import { stackErrorMap, toConfigIssues } from './zod-issues.js';

const SECTION_NAMES = Object.keys(sections) as SectionName[];

/**
 * Validates the loaded data section by section, so one bad section does not hide the others, then
 * checks the names sections use for each other. Returns the config only when there is no error.
 */
export function validateStack(
  data: unknown,
  source: SourceMap,
  context: { dir: string; env: Record<string, string | undefined> },
): { config?: StackConfig; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const fileLevel = (message: string, hint: string) =>
    errors.push({ file: source.file, line: 1, col: 1, path: '', message, hint });
  if (data === null || data === undefined) {
    fileLevel('the file is empty', 'a stack file starts with `version: 1`; see examples/quickstart');
    return { errors };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    fileLevel(
      'expected a mapping of sections at the top of the file',
      'a stack file starts with `version: 1`',
    );
    return { errors };
  }
  const raw = data as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    // `x-` keys are free for YAML anchors, as in Docker Compose.
    if ((SECTION_NAMES as string[]).includes(key) || key.startsWith('x-')) continue;
    errors.push({
      file: source.file,
      ...source.position([key], { key: true }),
      path: key,
      message: `unknown section \`${key}\``,
      hint: didYouMean(key, SECTION_NAMES) ?? `sections: ${SECTION_NAMES.join(', ')}`,
    });
  }
  if (raw.version === undefined)
    fileLevel(
      'missing required key `version`',
      'start the file with `version: 1`, the only version of this format',
    );

  const parsed: Partial<Record<SectionName, unknown>> = {};
  for (const name of SECTION_NAMES) {
    if (name === 'version' && raw.version === undefined) continue;
    // jitless: a file is parsed once per process, and compiling zod's fast path for every object
    // schema costs more than it saves, even on a file of thousands of checks.
    const result = sections[name].safeParse(raw[name], { error: stackErrorMap, jitless: true });
    if (result.success) parsed[name] = result.data;
    else errors.push(...toConfigIssues(result.error.issues, [name], source));
  }

  checkReferences(parsed as Partial<ParsedSections>, namesIn(raw), (at, message, candidates, options) => {
    const value = source.valueAt(at);
    errors.push({
      file: source.file,
      ...source.position(at, { key: options?.key === true }),
      path: dottedPath(at),
      message,
      hint:
        typeof value === 'string' || options?.key
          ? hintFor(options?.name ?? String(value), candidates)
          : undefined,
    });
  });
  if (errors.length > 0) return { errors };

  const config = finishStack(parsed as ParsedSections);
  checkRestoreSteps(config, context.dir, (at, message, hint) => {
    errors.push({ file: source.file, ...source.position(at), path: dottedPath(at), message, hint });
  });
  const store = resolveStore(config.store, context, source, errors);
  return errors.length > 0 ? { errors } : { config: { ...config, store }, errors };
}

function hintFor(name: string, candidates: readonly string[]): string | undefined {
  return (
    didYouMean(name, candidates) ?? (candidates.length > 0 ? `defined: ${candidates.join(', ')}` : undefined)
  );
}

/** $DAYSHIFT_DATABASE_URL overrides `store:`; a SQLite path is taken from the stack file's directory. */
function resolveStore(
  store: StackConfig['store'],
  context: { dir: string; env: Record<string, string | undefined> },
  source: SourceMap,
  errors: ConfigIssue[],
): StackConfig['store'] {
  const variable = DEFAULTS.databaseUrlVariable;
  const override = context.env[variable];
  if (override) {
    const url = secretUrl(['postgres', 'postgresql']).safeParse(override);
    if (url.success) return { url: url.data };
    errors.push({
      file: source.file,
      ...source.position(['store']),
      path: 'store',
      message: `$${variable} must be a postgres:// URL`,
      hint: `unset ${variable} to use the store: section`,
    });
    return store;
  }
  if ('sqlite' in store) return { sqlite: { path: path.resolve(context.dir, store.sqlite.path) } };
  return store;
}
