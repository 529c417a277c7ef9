/** One problem in a stack file: where it is, what was expected, and what to do. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the value: `services.backend.checks.health.every`; empty for file-level problems. */
  path: string;
  message: string;
  hint?: string;
}

/** Something that loads but deserves attention, such as a variable that is not set. */
export interface ConfigWarning {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

/** `dayshift.yaml:12:7 services.backend.checks.health.every: expected ..., got "10 seconds"` and its hint. */
export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  const head = issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
  return issue.hint ? `${head}\n  hint: ${issue.hint}` : head;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

export function formatWarning(warning: ConfigWarning): string {
  const where = `${warning.file}:${warning.line}:${warning.col}`;
  return `warning: ${where} ${warning.path ? `${warning.path}: ` : ''}${warning.message}`;
}

/** Issues in reading order: by line, then column. */
export function byPosition<T extends { line: number; col: number }>(a: T, b: T): number {
  return a.line - b.line || a.col - b.col;
}

/** `['services', 'web', 'checks']` → `services.web.checks`; list indexes as `[0]`. */
export function dottedPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}
