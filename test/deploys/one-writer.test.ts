/**
 * Releases are written in one place: only src/deploys/releases.ts queries the `releases` table (the
 * store's migrations create it), so every change goes through its conditional updates and the
 * settlements it refuses, and every target in it is pinned.
 */
import { describe, expect, it } from 'vitest';
import { readSources, SRC } from '../helpers/architecture.js';

/** A Kysely query on the table, or raw SQL that reads or writes it. */
const QUERY =
  /(insertInto|updateTable|deleteFrom|selectFrom|replaceInto|mergeInto)\(\s*['"]releases['"]|\b(from|into|update|join)\s+"?releases\b/i;

describe('the releases table', () => {
  it('is queried by src/deploys/releases.ts alone', () => {
    const outside = readSources(SRC)
      .filter((file) => file.path !== 'deploys/releases.ts' && !file.path.startsWith('store/migrations/'))
      .flatMap((file) =>
        file.text
          .split('\n')
          .flatMap((line, i) => (QUERY.test(line) ? [`src/${file.path}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(outside).toEqual([]);
  });

  it('is found by the check when a file queries it', () => {
    for (const line of [".updateTable('releases')", "sql`update releases set state = 'verified'`"])
      expect(QUERY.test(line), line).toBe(true);
    expect(QUERY.test('// the releases from this node')).toBe(false);
  });
});
