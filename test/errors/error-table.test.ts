import { STATUS_CODES } from 'node:http';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { DayshiftError, ERROR_TABLE, type ErrorCode, EXIT } from '../../src/errors.js';
import { readSources, SRC } from '../helpers/architecture.js';
import { documentedAnswers, section } from './documented.js';

const CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

/** docs/api.md's error table as ERROR_TABLE renders it: what the doc must say, to paste when it differs. */
function renderedApiTable(): string[] {
  return [
    '| code | status | exit | when |',
    '|---|---|---|---|',
    ...CODES.map((code) => {
      const row = ERROR_TABLE[code];
      return `| \`${code}\` | ${row.http} | ${row.exit} | ${row.means} |`;
    }),
  ];
}

describe('the error table', () => {
  it('gives every code a real HTTP error status and one of the documented exit codes', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const code of CODES) {
      const { http, exit, means } = ERROR_TABLE[code];
      expect(STATUS_CODES[http], `${code}: ${http} is an HTTP status`).toBeDefined();
      expect(http >= 400 && http <= 599, `${code}: ${http} is an error status`).toBe(true);
      expect(
        exits.has(exit) && (exit as number) !== EXIT.ok,
        `${code}: exit ${exit} is a documented failure`,
      ).toBe(true);
      expect(means.length, `${code} says when it is used`).toBeGreaterThan(10);
    }
  });

  it('answers alike what is alike: missing is 404 and exit 2, a conflict 409 and exit 1, only a bug 70', () => {
    for (const code of CODES) {
      const { http, exit } = ERROR_TABLE[code];
      if (http === 404) expect(exit, code).toBe(EXIT.input);
      if (http === 409) expect(exit, code).toBe(EXIT.failed);
      if (http === 503) expect(exit, code).toBe(EXIT.unreachable);
      if (http < 500) expect([EXIT.failed, EXIT.input], code).toContain(exit);
      expect(exit === EXIT.bug, code).toBe(code === 'INTERNAL');
    }
  });

  it('has a row for every code src/ uses, and src/ uses every row', () => {
    const sources = readSources(SRC).filter((f) => f.path !== 'errors.ts');
    const used = new Set<string>();
    // The first argument of new DayshiftError(...) or of a subclass's super(...): a code, or a choice of two.
    for (const file of sources)
      for (const m of file.text.matchAll(/(?:new DayshiftError|super)\(\s*([^,]+),/g))
        for (const code of (m[1] as string).matchAll(/'([A-Z][A-Z_]+)'/g)) used.add(code[1] as string);
    expect(used.size).toBeGreaterThan(15);
    const unknown = [...used].filter((code) => !(code in ERROR_TABLE));
    expect(unknown, 'codes thrown in src/ without a row in ERROR_TABLE').toEqual([]);
    const unused = CODES.filter((code) => !sources.some((f) => f.text.includes(`'${code}'`)));
    expect(unused, 'rows of ERROR_TABLE that nothing in src/ uses').toEqual([]);
  });

  it('is the table docs/api.md shows', () => {
    const documented = section('api.md', 'error-table');
    expect(
      documented.join('\n'),
      `docs/api.md's error table must read:\n${renderedApiTable().join('\n')}\n`,
    ).toBe(renderedApiTable().join('\n'));
  });

  it('gives each exit code the codes docs/cli.md lists for it', () => {
    const rows = section('cli.md', 'exit-codes').slice(2);
    const listed = new Map<number, string[]>();
    for (const row of rows) {
      const [, exit, , codes] = row.split('|').map((cell) => cell.trim());
      listed.set(
        Number(exit),
        [...(codes ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] as string),
      );
    }
    expect([...listed.keys()].sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
    for (const exit of Object.values(EXIT))
      expect(listed.get(exit), `docs/cli.md, exit ${exit}`).toEqual(
        CODES.filter((code) => ERROR_TABLE[code].exit === exit),
      );
  });
});

describe('the exit code of an error', () => {
  it('is the one docs/api.md and docs/cli.md give its code, and 70 for what is not a DayshiftError', () => {
    const documented = documentedAnswers();
    expect(documented.size).toBe(CODES.length);
    for (const [code, { exit }] of documented)
      expect(exitCodeFor(new DayshiftError(code as ErrorCode, 'x')), code).toBe(exit);
    expect(exitCodeFor(new Error('a bug'))).toBe(70);
    expect(exitCodeFor('a string')).toBe(70);
  });
});
