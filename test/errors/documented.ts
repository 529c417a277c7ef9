import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** The lines of a doc between `<!-- name:start ... -->` and `<!-- name:end -->`. */
export function section(doc: string, name: string): string[] {
  const text = readFileSync(path.resolve('docs', doc), 'utf8');
  const start = text.indexOf(`<!-- ${name}:start`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect(start, `docs/${doc} marks its ${name} section`).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return text.slice(start, end).split('\n').slice(1, -1);
}

/** The status and exit code docs/api.md promises for each error code, read from its table. */
export function documentedAnswers(): Map<string, { status: number; exit: number }> {
  const out = new Map<string, { status: number; exit: number }>();
  for (const line of section('api.md', 'error-table').slice(2)) {
    const [, code, status, exit] = line.split('|').map((cell) => cell.trim());
    out.set((code ?? '').replaceAll('`', ''), { status: Number(status), exit: Number(exit) });
  }
  return out;
}
