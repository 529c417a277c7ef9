import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';

/** One broken stack file and the error it must report. */
export interface Case {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  /** `line:col path` of the error the file must report. */
  at: string;
  /** A fragment of its message. */
  message: string;
  /** A fragment of its hint. */
  hint?: string;
}

export const v1 = 'version: 1\n';
/** A check at services.web.checks.health; its lines start at line 6, indented 8. */
export const check = (lines: string) => `${v1}services:\n  web:\n    checks:\n      health:\n${lines}`;
export const http = '        http: { url: "http://127.0.0.1/health" }\n';
/** A backup `db`; the extra line is line 8. */
export const backup = (line: string) =>
  `${v1}repositories:\n  local: { local: { path: ./b } }\nbackups:\n  db:\n    source: { sqlite: { path: db.sqlite3 } }\n    repository: local\n${line}`;
/** A runbook `fix` after the web check; its step is line 10, at column 9. */
export const runbook = (step: string) => `${check(http)}runbooks:\n  fix:\n    steps:\n      - ${step}\n`;

/** Writes each file, loads it, and expects its error at its line, column and path, with its message and hint. */
export function itReportsEach(cases: readonly Case[]): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-broken-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    const file = path.join(dir, `case-${index}.yaml`);
    writeFileSync(file, c.yaml);
    const result = loadConfig(file, { env: c.env ?? {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const space = c.at.indexOf(' ');
    const where = space < 0 ? c.at : c.at.slice(0, space);
    const dotted = space < 0 ? '' : c.at.slice(space + 1);
    const match = result.errors.find(
      (e) => `${e.line}:${e.col}` === where && e.path === dotted && e.message.includes(c.message),
    );
    expect(
      match,
      `expected ${c.at}: …${c.message}… among:\n${result.errors.map(formatIssue).join('\n')}`,
    ).toBeDefined();
    if (!match) return;
    // The formatted line names the file as given, then line:col and the path.
    expect(formatIssue(match).startsWith(`${path.relative(process.cwd(), file)}:${where} `)).toBe(true);
    if (c.hint) expect(match.hint ?? '').toContain(c.hint);
  });
}
