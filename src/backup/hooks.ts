import { spawn } from 'node:child_process';
import { DayshiftError } from '../errors.js';

/** How long a hook's process group has after SIGTERM before it is killed outright. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a backup's `before` or `after` hook (stopping a worker for a consistent copy, say) in the stack
 * file's directory. A string runs through /bin/sh -c, a list runs the program directly. It leads its own
 * process group, so a timeout stops everything it started. Fails with the tail of its output.
 */
export async function runHook(
  which: 'before' | 'after',
  backup: string,
  command: string | string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<{ durationMs: number; output: string }> {
  const [file, args] =
    typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0] ?? '', command.slice(1)];
  const started = Date.now();
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, DAYSHIFT_BACKUP: backup },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  }, options.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  const what = `the ${which} hook of ${backup}`;
  if (timedOut)
    throw new DayshiftError('BACKUP_FAILED', `${what} did not finish within ${options.timeoutMs / 1000}s`, {
      hint: 'raise hook_timeout, or make the hook finish sooner',
    });
  if (code !== 0)
    throw new DayshiftError(
      'BACKUP_FAILED',
      `${what} exited with ${code}${output.trim() ? `: ${output.trim()}` : ''}`,
    );
  return { durationMs: Date.now() - started, output: output.trim() };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
