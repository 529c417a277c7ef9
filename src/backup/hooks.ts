import { DayshiftError } from '../errors.js';
import { commandOf, describeEnd, runProcess } from '../process/index.js';

/** How long a hook's process group has after SIGTERM before it is killed outright. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a backup's `before` or `after` hook (stopping a worker for a consistent copy, say) in the stack
 * file's directory. A string runs through /bin/sh -c, a list runs the program directly. It leads its own
 * process group, so a timeout stops everything it started, and what it leaves running when it exits is
 * stopped too. It takes no abort signal: an `after` hook (starting the worker again) must run even
 * when the backup was stopped. Fails with the tail of its output.
 */
export async function runHook(
  which: 'before' | 'after',
  backup: string,
  command: string | string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<{ durationMs: number; output: string }> {
  const run = await runProcess(commandOf(command), {
    cwd: options.cwd,
    env: { ...options.env, DAYSHIFT_BACKUP: backup },
    timeoutMs: options.timeoutMs,
    killGraceMs: KILL_GRACE_MS,
    mergeOutput: true,
    tailBytes: { stdout: 2_000 },
  });
  const what = `the ${which} hook of ${backup}`;
  const output = run.stdout.trim();
  if (run.timedOut)
    throw new DayshiftError('BACKUP_FAILED', `${what} did not finish within ${options.timeoutMs / 1000}s`, {
      hint: 'raise hook_timeout, or make the hook finish sooner',
    });
  if (run.startError)
    throw new DayshiftError('BACKUP_FAILED', `${what} could not start: ${run.startError.message}`, {
      hint: 'check the command and the directory it runs in',
      cause: run.startError,
    });
  if (run.exitCode !== 0)
    throw new DayshiftError('BACKUP_FAILED', `${what} ${describeEnd(run)}${output ? `: ${output}` : ''}`);
  return { durationMs: Math.round(run.durationMs), output };
}
