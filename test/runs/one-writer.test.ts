/**
 * Runs are written in one place: only `src/runs/` reads or writes the `runs`, `run_steps` and
 * `run_evidence` tables (the store's migrations create them), so every run goes through the states
 * table, the scrubbing and the evidence bounds. Work records through the RunRecorder.
 */
import { describe, expect, it } from 'vitest';
import { readSources, SRC } from '../helpers/architecture.js';

const TABLES = 'runs|run_steps|run_evidence';
/** A Kysely query on a run table, or raw SQL that reads or writes one. */
const QUERY = new RegExp(
  `(insertInto|updateTable|deleteFrom|selectFrom|replaceInto|mergeInto)\\(\\s*['"](${TABLES})['"]|\\b(from|into|update|join)\\s+"?(${TABLES})\\b`,
  'i',
);

describe('the run tables', () => {
  it('are queried by src/runs/ alone', () => {
    const outside = readSources(SRC)
      .filter((file) => !file.path.startsWith('runs/') && !file.path.startsWith('store/migrations/'))
      .flatMap((file) =>
        file.text
          .split('\n')
          .flatMap((line, i) => (QUERY.test(line) ? [`src/${file.path}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(outside).toEqual([]);
  });

  it('are found by the check when a file outside src/runs/ queries them', () => {
    for (const line of [
      ".insertInto('runs')",
      "db.updateTable('runs').set({ status: 'failed' })",
      "selectFrom( 'run_evidence' )",
      "sql`update runs set status = 'failed'`",
      'insert into run_steps (run_id) values (1)',
    ])
      expect(QUERY.test(line), line).toBe(true);
    // Words about runs in prose are not queries.
    expect(QUERY.test('// the runs from this node')).toBe(false);
  });
});
