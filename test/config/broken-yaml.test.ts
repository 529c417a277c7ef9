import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { YAML_LIMITS } from '../../src/config/yaml-limits.js';
import { type Case, itReportsEach, v1 } from './broken-case.js';
import { scratch } from './fixtures.js';

/** `x-b1: &b1 [*a, *a, ...]` ten times per level: each level repeats the one above ten times. */
function aliasBomb(levels: number): string {
  const lines = [v1.trimEnd(), 'x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]'];
  let previous = 'a';
  for (let i = 1; i <= levels; i++) {
    lines.push(`x-b${i}: &b${i} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    previous = `b${i}`;
  }
  return `${lines.join('\n')}\n`;
}

const deep = (open: string, close: string, n: number) => `${open.repeat(n)}1${close.repeat(n)}`;

/**
 * Files the YAML library would throw on while turning them into data (a stack trace and exit 70
 * before), or would overflow the stack with: each is an error at its line and column instead.
 */
const cases: Case[] = [
  {
    name: 'an alias bomb',
    yaml: aliasBomb(4),
    // Level 1 costs 10, level 2 110, and the fourth alias of level 2 on level 3 passes 500.
    at: '5:27',
    message: `aliases here expand more than ${YAML_LIMITS.aliasExpansions} times`,
    hint: 'write repeated values out',
  },
  {
    name: 'a thousand aliases of one value',
    yaml: `${v1}x-a: &a 1\nx-b: [${Array(1000).fill('*a').join(', ')}]\n`,
    at: `3:${7 + 4 * YAML_LIMITS.aliasExpansions}`,
    message: `aliases here expand more than ${YAML_LIMITS.aliasExpansions} times`,
  },
  {
    name: 'an alias without its anchor',
    yaml: `${v1}services: *web\n`,
    at: '2:11',
    message: 'alias *web has no anchor &web above it',
    hint: 'write &web on the value to repeat',
  },
  {
    name: 'an alias before its anchor',
    yaml: `${v1}x-b: *a\nx-a: &a {}\n`,
    at: '2:6',
    message: 'alias *a has no anchor &a above it',
  },
  {
    name: 'an alias inside its own anchor',
    yaml: `${v1}x-a: &a [1, *a]\n`,
    at: '2:13',
    message: 'alias *a is inside the value it repeats',
  },
  {
    name: 'a merge of a single value',
    yaml: `${v1}x-a: &a 3\nservices:\n  <<: *a\n`,
    at: '4:7',
    message: '`<<` merges mappings, and this is a single value',
    hint: '`<<: *name` where &name is on a mapping',
  },
  {
    name: 'a merge of a list of values',
    yaml: `${v1}x-a: &a [1, 2]\nservices:\n  <<: *a\n`,
    at: '4:7',
    message: '`<<` merges mappings, and this is a list that holds a single value',
  },
  {
    name: 'a merge of a list with a value among the mappings',
    yaml: `${v1}x-a: &a { web: {} }\nx-b: &b 2\nservices:\n  <<: [*a, *b]\n`,
    at: '5:12',
    message: '`<<` merges mappings, and this is a single value',
  },
  {
    name: 'a merge of nothing',
    yaml: `${v1}services:\n  <<:\n  web: {}\n`,
    at: '3:6',
    message: '`<<` merges mappings, and this is empty',
  },
  {
    name: 'a mapping as a key',
    yaml: `${v1}services:\n  ? { web: 1 }\n  : {}\n`,
    at: '3:5',
    message: 'a key must be a name, not a mapping',
  },
  {
    name: 'lists nested thousands deep',
    yaml: `${v1}x-a: ${deep('[', ']', 5000)}\n`,
    // The top-level mapping is the first level.
    at: `2:${5 + YAML_LIMITS.nesting}`,
    message: `mappings and lists nested more than ${YAML_LIMITS.nesting} levels deep`,
    hint: 'flatten this value',
  },
  {
    name: 'mappings nested thousands deep',
    yaml: `${v1}x-a: ${deep('{a: ', '}', 5000)}\n`,
    at: `2:${6 + 4 * (YAML_LIMITS.nesting - 1)}`,
    message: `mappings and lists nested more than ${YAML_LIMITS.nesting} levels deep`,
  },
  {
    name: 'block mappings nested too deep',
    yaml: `${v1}x-a:\n${Array.from({ length: 70 }, (_, i) => `${'  '.repeat(i + 1)}a:`).join('\n')} 1\n`,
    at: `${YAML_LIMITS.nesting + 2}:${2 * YAML_LIMITS.nesting + 1}`,
    message: `nested more than ${YAML_LIMITS.nesting} levels deep`,
  },
  {
    name: 'variables nested thousands deep',
    yaml: `${v1}stack: "${'${A:-'.repeat(3000)}x${'}'.repeat(3000)}"\n`,
    at: '2:8 stack',
    message: '${...} nested more than 10 levels deep',
    hint: 'nest defaults at most 10 deep',
  },
  {
    name: 'variables nested too deep even when the first is set',
    yaml: `${v1}stack: "${'${A:-'.repeat(11)}x${'}'.repeat(11)}"\n`,
    env: { A: 'shop' },
    at: '2:8 stack',
    message: '${...} nested more than 10 levels deep',
  },
  {
    name: 'a rule nested thousands of parentheses deep',
    yaml: `${v1}rules:\n  r: { when: "${'('.repeat(5000)}1 > 0${')'.repeat(5000)}" }\n`,
    at: '3:47 rules.r.when',
    message: 'bad rule: the expression nests more than 32 levels deep',
  },
  {
    name: 'a rule of ten thousand nots',
    yaml: `${v1}rules:\n  r: { when: "${'not '.repeat(10000)}1 > 0" }\n`,
    at: '3:143 rules.r.when',
    message: 'bad rule: the expression nests more than 32 levels deep',
  },
  {
    name: 'a rule of five thousand ands',
    yaml: `${v1}rules:\n  r: { when: "${Array(5000).fill('1 > 0').join(' and ')}" }\n`,
    at: `3:${15 + 10 * 101 - 4} rules.r.when`,
    message: 'bad rule: the expression has more than 100 operations',
  },
  {
    name: '__proto__ as a section',
    yaml: `${v1}__proto__: { version: 2 }\n`,
    at: '2:1',
    message: '`__proto__` is not allowed as a key',
  },
  {
    name: '__proto__ as a name',
    yaml: `${v1}services:\n  __proto__: {}\n`,
    at: '3:3',
    message: '`__proto__` is not allowed as a key',
  },
  {
    name: '__proto__ quoted, deep in a check',
    yaml: `${v1}services:\n  web:\n    checks:\n      h:\n        http: { url: "http://127.0.0.1/", headers: { "__proto__": x } }\n`,
    at: '6:54',
    message: '`__proto__` is not allowed as a key',
  },
  {
    name: 'a YAML 1.1 tag',
    yaml: `${v1}stack: !!binary aGVsbG8=\n`,
    at: '2:17',
    message: 'the tag !!binary has no meaning in a stack file',
    hint: 'remove it',
  },
  {
    name: 'a tagged key',
    yaml: `${v1}services:\n  !!binary d2Vi: {}\n`,
    at: '3:12',
    message: 'the tag !!binary has no meaning in a stack file',
  },
  {
    name: 'a set',
    yaml: `${v1}x-a: !!set { a, b }\n`,
    at: '2:12',
    message: 'the tag !!set has no meaning',
  },
  {
    name: 'a custom tag',
    yaml: `${v1}stack: !reset shop\n`,
    at: '2:15',
    message: 'the tag !reset has no meaning',
  },
  {
    name: 'a control byte in a key is escaped',
    yaml: `${v1}serv\u0007ices\u001b[31m: {}\n`,
    at: '2:1 serv\\x07ices\\x1b[31m',
    message: 'unknown section `serv\\x07ices\\x1b[31m`',
  },
];

describe('broken YAML structure', () => {
  itReportsEach(cases);

  it('allows what a real file does: ten levels, merges of mappings, aliases within the bound', () => {
    const tmp = scratch('yaml-ok');
    try {
      const file = tmp.write(
        'ok.yaml',
        [
          'version: 1',
          'x-check: &check { every: 30s, retries: 2 }',
          'x-http: &http { http: { url: "http://127.0.0.1/health" } }',
          'x-deep: [[[[[[[[[[1]]]]]]]]]]',
          'x-tags: [!!str 5, !!int "7", !!float 1, !!bool true, !!null ~, !!map {}, !!seq []]',
          'services:',
          '  web:',
          '    checks:',
          ...Array.from({ length: 40 }, (_, i) => `      c${i}: { <<: [*check, *http] }`),
          '',
        ].join('\n'),
      );
      const result = loadConfig(file, { env: {} });
      expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('never prints a control byte from the file, in keys, paths or quoted values', () => {
    const tmp = scratch('yaml-ctrl');
    try {
      const file = tmp.write(
        'ctrl.yaml',
        `${v1}stack: "a\\u0007b"\nx\u009b2J: 1\nservices:\n  "w\\u001b]0;pwned\\u0007": {}\n  web:\n    checks:\n      h:\n        http: { url: "http://127.0.0.1/" }\n        every: "1\\u202es"\n`,
      );
      const result = loadConfig(file, { env: {} });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const printed = result.errors.map(formatIssue).join('\n');
      expect(result.errors.length).toBeGreaterThanOrEqual(4);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them
      expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(printed).toContain('x\\x9b2J');
      expect(printed).toContain('w\\x1b]0;pwned\\x07');
      expect(printed).toContain('1\\u202es');
    } finally {
      tmp.cleanup();
    }
  });
});
