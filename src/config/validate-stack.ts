import path from 'node:path';
import { didYouMean } from '../schema/did-you-mean.js';
import { secretUrl } from '../schema/secret-schema.js';
import { checkTimeouts } from './check-timing.js';
import { checkConditionFields } from './condition-fields.js';
import { checkReferences, namesIn } from './cross-references.js';
import { DEFAULTS } from './defaults.js';
import { checkDeploys } from './deploy-checks.js';
import { checkDriverActions } from './driver-actions.js';
import { type ConfigIssue, dottedPath, type Report } from './issues.js';
import { checkPingSlugs } from './ping-slugs.js';
import { usesIn } from './references-in.js';
import { checkRestoreTargets } from './restore-steps.js';
import { finishStack, type ParsedSections, type SectionName, type StackConfig, sections } from './schema.js';
import type { SourceMap } from './source-map.js';
import { checksIn, smokeStepsIn } from './valid-parts.js';
import { stackErrorMap, toConfigIssues } from './zod-issues.js';

const SECTION_NAMES = Object.keys(sections) as SectionName[];

/**
 * Validates the loaded data section by section, so one bad section does not hide the others, then,
 * in the same pass, cross-checks what no one section can: the names sections use for each other, the
 * fields conditions read, restore targets. Returns the config only when there is no error.
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

  // The cross-checks read each item as far as it is valid, so they report in the same pass as the schema.
  const valid = parsed as Partial<ParsedSections>;
  const report: Report = (at, message, details = {}) => {
    const value = source.valueAt(at);
    const hint =
      details.hint ??
      (details.candidates && (typeof value === 'string' || details.key)
        ? hintFor(details.name ?? String(value), details.candidates)
        : undefined);
    errors.push({
      file: source.file,
      ...source.position(
        at,
        details.column === undefined ? { key: details.key === true } : { offset: details.column },
      ),
      path: dottedPath(at),
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  };
  const checks = checksIn(raw, valid);
  const smokeSteps = smokeStepsIn(raw);
  const uses = usesIn(raw, smokeSteps);
  const known = namesIn(raw);
  checkReferences(raw, uses, checks, known, report);
  checkConditionFields(checks, smokeSteps, report);
  checkTimeouts(raw, valid, report);
  checkPingSlugs(checks, report);
  checkRestoreTargets(uses.restoreTargets, valid, raw, context.dir, report);
  checkDriverActions(raw, valid, report);
  checkDeploys(raw, valid, known, report);
  if (errors.length > 0) return { errors };

  const config = finishStack(parsed as ParsedSections);
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
