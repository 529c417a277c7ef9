import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import {
  type ConditionSubject,
  evaluateCondition,
  type ParsedCondition,
  parseCondition,
} from '../conditions/index.js';
import { commandOf, programOf, runProcess, shellExitCode } from '../process/index.js';
import type { Snapshot } from './repositories/types.js';
import type { RestoreTarget } from './sources/types.js';

/** One `assert:` item of a drill, as the stack file parses it. */
export type DrillAssertion =
  | { kind: 'sql'; options: string; expect?: ParsedCondition }
  | { kind: 'command'; options: string | string[]; expect?: ParsedCondition }
  | { kind: 'exists'; options: string; expect?: ParsedCondition }
  | { kind: 'row_counts'; options: true; expect?: ParsedCondition }
  | { kind: 'checksums'; options: true; expect?: ParsedCondition };

export interface AssertionOutcome {
  name: string;
  kind: string;
  ok: boolean;
  /** What was found, for the run record: the query's value, the differing tables or files. */
  detail: unknown;
  reason?: string;
}

const COMMAND_OK = parseCondition('exit_code == 0');

/**
 * Runs one assertion against the restored copy; never throws (a failure is an outcome). `signal` stops
 * a `command:` still running (the drill's job cancelled, the node shutting down).
 */
export async function runAssertion(
  assertion: DrillAssertion,
  target: RestoreTarget,
  snapshot: Snapshot,
  signal?: AbortSignal,
): Promise<AssertionOutcome> {
  const name = assertionName(assertion);
  try {
    switch (assertion.kind) {
      case 'sql': {
        if (!target.query)
          return fail(name, assertion.kind, `a ${snapshot.source.kind} restore cannot run sql`);
        const value = normalise(await target.query(assertion.options));
        return judge(name, assertion.kind, assertion.expect, { values: { value } }, value);
      }
      case 'command':
        return await commandAssertion(name, assertion.options, assertion.expect, target, signal);
      case 'exists': {
        if (!target.directory) return fail(name, assertion.kind, 'exists: needs a files restore');
        const found = await lstat(path.join(target.directory, assertion.options)).then(
          () => true,
          () => false,
        );
        return found
          ? { name, kind: assertion.kind, ok: true, detail: assertion.options }
          : fail(name, assertion.kind, `${assertion.options} is not in the restored files`);
      }
      case 'row_counts':
        return await rowCountsAssertion(name, target, snapshot);
      case 'checksums':
        return await checksumsAssertion(name, target, snapshot);
    }
  } catch (error) {
    return fail(name, assertion.kind, error instanceof Error ? error.message : String(error));
  }
}

export function assertionName(assertion: DrillAssertion): string {
  switch (assertion.kind) {
    case 'sql':
      return `sql: ${assertion.options}${assertion.expect ? ` (${assertion.expect.source})` : ''}`;
    case 'command':
      return `command: ${typeof assertion.options === 'string' ? assertion.options : assertion.options.join(' ')}`;
    case 'exists':
      return `exists: ${assertion.options}`;
    default:
      return assertion.kind;
  }
}

function fail(name: string, kind: string, reason: string, detail: unknown = null): AssertionOutcome {
  return { name, kind, ok: false, detail, reason };
}

function judge(
  name: string,
  kind: string,
  expect: ParsedCondition | undefined,
  subject: ConditionSubject,
  detail: unknown,
): AssertionOutcome {
  if (!expect) return { name, kind, ok: true, detail };
  const result = evaluateCondition(expect, subject);
  return result.ok
    ? { name, kind, ok: true, detail }
    : fail(
        name,
        kind,
        `${expect.source}: got ${JSON.stringify(result.actual)}${result.reason ? ` (${result.reason})` : ''}`,
        detail,
      );
}

/** Database drivers give counts as bigint strings; conditions compare numbers. */
function normalise(value: unknown): number | string | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

async function rowCountsAssertion(
  name: string,
  target: RestoreTarget,
  snapshot: Snapshot,
): Promise<AssertionOutcome> {
  const recorded = snapshot.source.rows as Record<string, number> | undefined;
  if (!recorded || !target.rowCounts) return fail(name, 'row_counts', 'the snapshot records no row counts');
  const restored = await target.rowCounts();
  const differences: Record<string, { recorded: number | null; restored: number | null }> = {};
  for (const table of new Set([...Object.keys(recorded), ...Object.keys(restored)])) {
    const a = recorded[table] ?? null;
    const b = restored[table] ?? null;
    if (a !== b) differences[table] = { recorded: a, restored: b };
  }
  const tables = Object.keys(recorded).length;
  const total = Object.values(recorded).reduce((sum, n) => sum + n, 0);
  const wrong = Object.keys(differences);
  return wrong.length === 0
    ? { name, kind: 'row_counts', ok: true, detail: { tables, rows: total } }
    : fail(
        name,
        'row_counts',
        `${wrong.length} of ${tables} table(s) differ: ${wrong
          .slice(0, 5)
          .map((t) => `${t} ${differences[t]?.restored} restored, ${differences[t]?.recorded} recorded`)
          .join('; ')}`,
        differences,
      );
}

async function checksumsAssertion(
  name: string,
  target: RestoreTarget,
  snapshot: Snapshot,
): Promise<AssertionOutcome> {
  const files = snapshot.source.files as Array<{ path: string; size: number; sha256: string }> | undefined;
  if (!files || !target.directory) return fail(name, 'checksums', 'the snapshot records no file checksums');
  const wrong: Array<{ path: string; problem: string }> = [];
  for (const file of files) {
    const actual = await sha256Of(path.join(target.directory, file.path)).catch(() => undefined);
    if (actual === undefined) wrong.push({ path: file.path, problem: 'missing' });
    else if (actual !== file.sha256) wrong.push({ path: file.path, problem: 'content differs' });
  }
  return wrong.length === 0
    ? { name, kind: 'checksums', ok: true, detail: { files: files.length } }
    : fail(
        name,
        'checksums',
        `${wrong.length} of ${files.length} file(s) differ: ${wrong
          .slice(0, 5)
          .map((w) => `${w.path} (${w.problem})`)
          .join(', ')}`,
        wrong,
      );
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function commandAssertion(
  name: string,
  run: string | string[],
  expect: ParsedCondition | undefined,
  target: RestoreTarget,
  signal: AbortSignal | undefined,
): Promise<AssertionOutcome> {
  const command = commandOf(run);
  const ran = await runProcess(command, {
    cwd: target.directory ?? process.cwd(),
    env: {
      DAYSHIFT_RESTORE_DIR: target.directory ?? '',
      DAYSHIFT_RESTORE_TARGET: target.description,
    },
    ...(signal ? { signal } : {}),
    tailBytes: { stdout: 64 * 1024, stderr: 2_000 },
  });
  if (ran.startError)
    return fail(name, 'command', `could not run ${programOf(command)}: ${ran.startError.message}`);
  if (ran.aborted) return fail(name, 'command', 'the drill was stopped before the command finished');
  const code = shellExitCode(ran) ?? -1;
  const stdout = ran.stdout;
  const trimmed = stdout.trim();
  const subject: ConditionSubject = {
    exitCode: code,
    stdout,
    values: /^-?\d+(\.\d+)?$/.test(trimmed) ? { value: Number(trimmed) } : {},
  };
  const outcome = judge(name, 'command', expect ?? COMMAND_OK, subject, {
    exit_code: code,
    stdout: trimmed.slice(0, 500),
  });
  if (!outcome.ok && ran.stderr.trim())
    outcome.reason = `${outcome.reason}; stderr: ${ran.stderr.trim().slice(-300)}`;
  return outcome;
}
