import { describe, expect, it } from 'vitest';
import {
  checkDuration,
  checkItems,
  checkJsonDepth,
  checkName,
  checkText,
  checkTime,
  LIMITS,
} from '../../src/util/input-bounds.js';
import { ownValue } from '../../src/util/own.js';

const nest = (depth: number, leaf: unknown = 1) => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
};

describe('input bounds', () => {
  it('a name is 1 to 200 printable characters', () => {
    expect(checkName('x'.repeat(LIMITS.name), 'a name')).toHaveLength(LIMITS.name);
    for (const bad of ['', 'x'.repeat(LIMITS.name + 1), 'a\u0000b', 'a\nb', 'a\u007fb', 'a\u009bb'])
      expect(() => checkName(bad, 'a name')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(checkName('déjà vu ✓', 'a name')).toBe('déjà vu ✓');
  });

  it('text may hold newlines but no NUL, up to its limit', () => {
    expect(checkText('line\nline\t', 'text')).toBe('line\nline\t');
    expect(() => checkText('a\u0000', 'text')).toThrow();
    expect(() => checkText('x'.repeat(LIMITS.text + 1), 'text')).toThrow();
    expect(() => checkText('x'.repeat(11), 'text', 10)).toThrow();
  });

  it('times are whole milliseconds from 2000 to ten years ahead; durations positive up to ten years', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(checkTime(LIMITS.earliestMs, now, 't')).toBe(LIMITS.earliestMs);
    expect(checkTime(now + LIMITS.aheadMs, now, 't')).toBe(now + LIMITS.aheadMs);
    for (const bad of [LIMITS.earliestMs - 1, now + LIMITS.aheadMs + 1, 1.5e12 + 0.5, Number.NaN, 9e18, -1])
      expect(() => checkTime(bad, now, 't')).toThrow();
    expect(checkDuration(LIMITS.aheadMs, 'd')).toBe(LIMITS.aheadMs);
    for (const bad of [0, -1, LIMITS.aheadMs + 1, Number.POSITIVE_INFINITY, 0.5])
      expect(() => checkDuration(bad, 'd')).toThrow();
  });

  it('lists have at most their limit of items', () => {
    expect(checkItems(new Array(LIMITS.items).fill(1), 'l')).toHaveLength(LIMITS.items);
    expect(() => checkItems(new Array(LIMITS.items + 1).fill(1), 'l')).toThrow();
  });

  it('JSON nests at most 32 arrays and objects, measured without recursion', () => {
    expect(() => checkJsonDepth(nest(LIMITS.jsonDepth), 'p')).not.toThrow();
    expect(() => checkJsonDepth(nest(LIMITS.jsonDepth + 1), 'p')).toThrow(/deeper than 32/);
    expect(() => checkJsonDepth(nest(1_000_000), 'p')).toThrow(/deeper than 32/);
    for (const flat of [null, 1, 'x', [], {}, new Array(500_000).fill(0)])
      expect(() => checkJsonDepth(flat, 'p')).not.toThrow();
  });

  it("a lookup by name never finds Object.prototype's members", () => {
    const record = JSON.parse('{"app": 1, "__proto__": 2}') as Record<string, number>;
    expect(ownValue(record, 'app')).toBe(1);
    expect(ownValue(record, '__proto__')).toBe(2);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf'])
      expect(ownValue({ app: 1 }, name)).toBeUndefined();
    expect(ownValue({ app: 1 }, '__proto__')).toBeUndefined();
  });
});
