import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateStackFile } from '../../src/cli/commands/validate.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { DayshiftError } from '../../src/errors.js';
import { examplesEnv } from '../helpers/examples.js';
import { CLI, designVariables, scratch } from './fixtures.js';

/**
 * The config mutation fuzz: every stack file under examples/ and the DESIGN example, mutated at
 * random (lines deleted and duplicated, characters swapped, YAML's special syntax, control bytes,
 * huge numbers, zero durations, deep nesting, unbalanced brackets, unicode inserted) and validated.
 * `dayshift validate` may only succeed (0) or refuse the file (2) with every error at file:line:col;
 * never exit 70 with a stack trace. Seeded, so a failure replays: DAYSHIFT_FUZZ_SEED and
 * DAYSHIFT_FUZZ_RUNS explore further.
 */
const SEED = Number(process.env.DAYSHIFT_FUZZ_SEED ?? 14_06);
const RUNS = Number(process.env.DAYSHIFT_FUZZ_RUNS ?? 300);
/** Through the real process, to prove the exit codes main() gives. */
const CLI_RUNS = 12;

const STACK_FILES = [
  ...['quickstart/dayshift.yaml', ...[0, 1, 2, 3, 4].map((n) => `runbooks/00${n}.yaml`)].map(
    (f) => `examples/${f}`,
  ),
  'test/fixtures/design-example.yaml',
];
const sources = STACK_FILES.map((file) => readFileSync(file, 'utf8'));

/** Inserted anywhere: YAML's special syntax and what breaks naive readers. */
const FRAGMENTS = [
  '&a ',
  '*a',
  '*b ',
  '<<: *a',
  '<<: [*a, *b]',
  '!!binary ',
  '!!int ',
  '!!map ',
  '!!set ',
  '!<tag:yaml.org,2002:str> ',
  '\t',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u009b2J',
  '\r',
  '__proto__: ',
  '__proto__',
  'constructor',
  '99999999999999999999',
  '1e400',
  '-0',
  '0s',
  '99999999999999999999d',
  '${A:-'.repeat(3000),
  '${',
  '$$',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '[['.repeat(2500),
  '{a: '.repeat(1000),
  'é',
  '\u202e',
  '\ufeff',
  '😀',
  '\ud800',
  '"',
  "'",
  '#',
  '|',
  '>-',
  '- ',
  ': ',
  '? ',
  ',',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '[STATUS] == any(',
  'len( == 3',
  '[BODY] == pat(',
];

/** Put in place of a value (after `key: ` or `- `). */
const VALUES = [
  '0s',
  '0ms',
  '-1',
  '0',
  '99999999999999999999d',
  '99999999999999999999',
  '1e400',
  '.nan',
  '~',
  '[]',
  '{}',
  '*a',
  '*undefined',
  '&a 1',
  '&a [*a]',
  '!!binary aGk=',
  '!!float 1',
  '"[STATUS] == any("',
  '"len( == 3"',
  '"[BODY] == pat("',
  '"status == "',
  `"${'${A:-'.repeat(3000)}x${'}'.repeat(3000)}"`,
  '"\\u0007\\u001b[2J"',
  '"${UNSET:?is required}"',
  `"${'('.repeat(3000)}1 > 0"`,
  `"${'not '.repeat(3000)}1 > 0"`,
  `"${Array(500).fill('1 > 0').join(' and ')}"`,
  `"${'{{#a}}'.repeat(3000)}"`,
  '"{{#a}}"',
  '"status in [[[[[[200"',
  'yes',
  '2026-02-30',
  "'x'".repeat(50),
  'x'.repeat(5000),
];

/** Inserted as a line of their own at the indentation of the line before. */
const LINES = [
  '<<: *a',
  '<<: [*a, *b]',
  '<<: 3',
  '__proto__: {}',
  '"__proto__": 1',
  'x: &a [*a]',
  'x-a: &a { every: 0s }',
  'x-b: &b [1, 2]',
  '? [a, b]',
  ': 1',
  'ke\u0007y: 1',
  'every: 0s',
  'timeout: 0s',
  'every: 99999999999999999999d',
  `x-bomb: &a [${Array(10).fill('1').join(', ')}]\nx-bomb2: &b [${Array(10).fill('*a').join(', ')}]\nx-bomb3: [${Array(60).fill('*b').join(', ')}]`,
  `x-deep: ${'['.repeat(5000)}${']'.repeat(5000)}`,
];

type Mutation =
  | { op: 'delete' | 'duplicate'; line: number }
  | { op: 'swap'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'value'; line: number; text: string }
  | { op: 'line'; line: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ op: fc.constant('value' as const), line: fc.nat(), text: fc.constantFrom(...VALUES) }),
  fc.record({ op: fc.constant('line' as const), line: fc.nat(), text: fc.constantFrom(...LINES) }),
);

const mutatedFile = fc
  .record({
    source: fc.nat({ max: sources.length - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  })
  .map(({ source, mutations }) => ({
    name: STACK_FILES[source] as string,
    mutations,
    text: mutations.reduce(apply, sources[source] as string),
    // A failure shows the file and its mutations, not the whole text.
    [fc.toStringMethod]: () => `${STACK_FILES[source]} with ${fc.stringify(mutations)}`,
  }));

function apply(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const line = 'line' in m ? m.line % lines.length : 0;
  switch (m.op) {
    case 'delete':
      lines.splice(line, 1);
      return lines.join('\n');
    case 'duplicate':
      lines.splice(line, 0, lines[line] as string);
      return lines.join('\n');
    case 'swap': {
      const at = m.at % Math.max(1, text.length - 1);
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'value': {
      // The first line from here on that has a value to replace.
      for (let i = 0; i < lines.length; i++) {
        const n = (line + i) % lines.length;
        const current = lines[n] as string;
        const match = /^(\s*(?:- )?[^#:\s][^:]*:\s|\s*- )/.exec(current);
        if (!match) continue;
        lines[n] = match[1] + m.text;
        return lines.join('\n');
      }
      return text;
    }
    case 'line': {
      const indent = /^\s*/.exec(lines[line] as string)?.[0] ?? '';
      lines.splice(line + 1, 0, ...m.text.split('\n').map((l) => indent + l));
      return lines.join('\n');
    }
  }
}

const tmp = scratch('fuzz');
afterAll(tmp.cleanup);
const display = (file: string) => path.relative(process.cwd(), file);
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What validate printed for a refused file: each issue is one line at file:line:col inside the file
 * (its hint on the next line, indented), then the count; nothing is printed raw that a terminal obeys.
 */
function expectPositioned(stdout: string, file: string, text: string): void {
  const lines = stdout.trimEnd().split('\n');
  const count = lines.pop() ?? '';
  expect(count).toMatch(new RegExp(`^\\d+ errors? in ${escapeRegex(display(file))}$`));
  const head = new RegExp(`^${escapeRegex(display(file))}:(\\d+):(\\d+) \\S`);
  const fileLines = text.split('\n').length;
  for (const line of lines) {
    if (line.startsWith('  hint: ')) continue;
    const at = head.exec(line);
    expect(at, `not positioned: ${line.slice(0, 200)}`).not.toBeNull();
    expect(Number(at?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(at?.[1])).toBeLessThanOrEqual(fileLines + 1);
    expect(Number(at?.[2])).toBeGreaterThanOrEqual(1);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them
  expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  // The loader's last-resort guard turns an exception into an error at 1:1; the fuzz is there to find
  // what reaches it, so each can be given its own message at its own position.
  expect(stdout, 'an exception reached the loader guard').not.toContain('is a bug in Dayshift');
}

/** The DESIGN example's variables and the secrets the examples require. */
const fuzzEnv = { ...examplesEnv(), ...designVariables };

describe('the config mutation fuzz', () => {
  it('starts from files that validate', () => {
    for (const [i, text] of sources.entries()) {
      const file = tmp.write(`original-${i}.yaml`, text);
      expect(validateStackFile(file, false, { env: fuzzEnv }).exitCode, STACK_FILES[i]).toBe(0);
    }
  });

  it(
    `${RUNS} mutated files validate in-process to exit 0, or exit 2 with every error positioned`,
    () => {
      const file = tmp.write('mutated.yaml', '');
      const exits = { 0: 0, 2: 0 };
      fc.assert(
        fc.property(mutatedFile, ({ text }) => {
          tmp.write('mutated.yaml', text);
          let outcome: ReturnType<typeof validateStackFile>;
          try {
            outcome = validateStackFile(file, false, { env: fuzzEnv });
          } catch (error) {
            // What main() would print; only a config error (exit 2) is an acceptable throw.
            expect(error, String((error as Error)?.stack)).toBeInstanceOf(DayshiftError);
            expect(exitCodeFor(error)).toBe(2);
            return;
          }
          expect([0, 2]).toContain(outcome.exitCode);
          exits[outcome.exitCode as 0 | 2]++;
          if (outcome.exitCode === 2) expectPositioned(outcome.stdout, file, text);
        }),
        // No shrinking: a failure is reported at once with its seed and path, to replay.
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The mutations are meant to break files, but not all of them.
      expect(exits[2]).toBeGreaterThan(RUNS / 4);
      expect(exits[0]).toBeGreaterThan(0);
    },
    60_000 + RUNS * 200,
  );

  describe('through `node dist/cli/main.js validate`', () => {
    beforeAll(() => {
      expect(existsSync(CLI)).toBe(true);
    }, 120_000);

    it(`${CLI_RUNS} mutated files exit 0, or 2 with every error positioned, never 70`, async () => {
      const samples = fc.sample(mutatedFile, { seed: SEED + 1, numRuns: CLI_RUNS });
      const files = samples.map((s, i) => ({ ...s, file: tmp.write(`cli-${i}.yaml`, s.text) }));
      // Two at a time, as many as there are cores to share.
      const results: Array<Awaited<ReturnType<typeof runCli>>> = [];
      for (let i = 0; i < files.length; i += 2)
        results.push(...(await Promise.all(files.slice(i, i + 2).map((f) => runCli(f.file)))));
      for (const [i, result] of results.entries()) {
        const { file, text, name, mutations } = files[i] as (typeof files)[number];
        const context = `${name} with ${JSON.stringify(mutations).slice(0, 300)}:\n${result.stderr}`;
        expect([0, 2], context).toContain(result.code);
        expect(result.stderr, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        if (result.code === 2) expectPositioned(result.stdout, file, text);
      }
      expect(results.some((r) => r.code === 2)).toBe(true);
    }, 120_000);
  });
});

function runCli(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'validate', '--config', file], {
      env: { PATH: process.env.PATH ?? '', ...fuzzEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
