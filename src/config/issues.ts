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

/**
 * Text safe to print on a terminal: control characters (C0, DEL, C1) and the bidirectional overrides
 * that reorder what is shown are written as escapes (`\x07`, `\u001b`, `\u202e`), so a key or value
 * quoted in a message cannot ring, recolour, move the cursor or hide text.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it escapes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What a cross-check knows about a problem besides its place and message. */
export interface ReportDetails {
  /** The names that exist, for a did-you-mean hint on the value written at the place. */
  candidates?: readonly string[];
  /** The name to match against `candidates` when the place holds no string (a key). */
  name?: string;
  /** Point at the key of the place rather than its value. */
  key?: boolean;
  /** 0-based column inside the string at the place (a field inside a condition). */
  column?: number;
  hint?: string;
}

/** Reports one problem at a path of the loaded data; the caller turns it into a positioned issue. */
export type Report = (at: ReadonlyArray<PropertyKey>, message: string, details?: ReportDetails) => void;
