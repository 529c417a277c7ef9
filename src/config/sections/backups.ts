import { z } from 'zod';
import { repositoryKinds } from '../../backup/repositories/registry.js';
import { backupSourceKinds, restoreTargets, sourceOf } from '../../backup/sources/registry.js';
import { kinded, optionsOf } from '../../schema/plugin.js';
import { commandLine, count, cron, name, percent, span, timeout, timezone } from '../../schema/values.js';
import { condition } from '../condition-schema.js';

/**
 * What a drill checks on the restored copy. `value` in `expect` is the query's or command's result;
 * row_counts and checksums compare the copy with the counts and checksums in the snapshot's manifest.
 */
const drillAssertion = kinded(
  'assertion',
  {
    sql: z.string().min(1).describe('a query on the restored database'),
    command: commandLine().describe('a command run in the restored directory ($DAYSHIFT_RESTORE_DIR)'),
    exists: z.string().min(1).describe('a path that must exist in the restored files'),
    row_counts: z.literal(true).describe("every table has the row count recorded in the snapshot's manifest"),
    checksums: z
      .literal(true)
      .describe("every file matches the checksum recorded in the snapshot's manifest"),
  },
  { expect: condition().optional() },
);

const keepSchema = z.strictObject({
  last: count().optional(),
  hourly: count().optional(),
  daily: count().optional(),
  weekly: count().optional(),
  monthly: count().optional(),
  yearly: count().optional(),
});

const backupSchema = z
  .strictObject({
    description: z.string().optional(),
    source: kinded('backup source', optionsOf(backupSourceKinds), {}),
    repository: name(),
    schedule: cron().optional(),
    timezone: timezone().optional(),
    keep: keepSchema.optional(),
    /** Alert when the newest good snapshot is older than this. */
    rpo: span(1).optional(),
    severity: name()
      .optional()
      .describe('the severity of the alert raised by a missed backup, a failed drill or a failed verify'),
    notify: z.array(name()).optional().describe("the notifiers of this backup's alerts"),
    /** Run before the dump (stop a worker for a consistent copy); the backup fails if it fails. */
    before: commandLine().optional(),
    /** Run after the dump, whether it succeeded or not (start the worker again). */
    after: commandLine().optional(),
    hook_timeout: timeout().prefault('5m').describe('how long each hook may run; 5m by default'),
    verify: z
      .strictObject({ schedule: cron().optional(), read_data: percent().optional() })
      .optional()
      .describe('checks snapshots are readable; read_data re-reads that share of the data'),
    drill: z
      .strictObject({
        schedule: cron().optional(),
        timezone: timezone().optional(),
        into: kinded('restore target', restoreTargets(), {}).optional(),
        assert: z.array(drillAssertion).default([]),
        /** Alert when a restore takes longer than this. */
        rto: span(1).optional(),
      })
      .optional(),
  })
  .superRefine((backup, ctx) => {
    // An assertion the restored copy cannot run would fail every drill; refuse it where it is written.
    const can = sourceOf(backup.source.kind).drillAssertions;
    backup.drill?.assert.forEach((assertion, index) => {
      if (can.includes(assertion.kind)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['drill', 'assert', index, assertion.kind],
        message: `a ${backup.source.kind} restore cannot run \`${assertion.kind}:\`, so every drill would fail`,
        params: { at: 'key', hint: `a ${backup.source.kind} drill can assert ${can.join(', ')}`, got: false },
      });
    });
  });

export const backupsSchema = z.record(name(), backupSchema).default({});
export const repositoriesSchema = z
  .record(
    name(),
    kinded('repository kind', optionsOf(repositoryKinds), { description: z.string().optional() }),
  )
  .default({});

/** Where restores may write beyond the stack file's directory; databases go only to its servers. */
export const restoreSchema = z
  .strictObject({
    allowed_paths: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "directories a restore may write under besides the stack file's directory; relative to that directory",
      ),
  })
  .prefault({})
  .describe(
    "where restores (CLI, API, runbook steps) may write: under the stack file's directory and allowed_paths, and databases only on servers the stack file names",
  );
