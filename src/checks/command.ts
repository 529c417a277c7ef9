import { execFile, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DayshiftError } from '../errors.js';
import { commandLine, stringMap } from '../schema/values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  /** A string runs through /bin/sh -c; a list runs the program directly. */
  run: commandLine(),
  /** The working directory, from the stack file's directory. */
  cwd: z.string().optional(),
  /** Merged over Dayshift's own environment. */
  env: stringMap().optional(),
  /** Run as this user (a name or a uid); Dayshift must run as root for that. */
  user: z.string().optional(),
});
type CommandOptions = z.output<typeof options>;

/** More than a healthcheck ever prints; the rest is dropped so a chatty program cannot fill memory. */
const STDOUT_LIMIT = 64 * 1024;
const STDERR_LIMIT = 4 * 1024;
/** How long a timed-out program has to exit on SIGTERM before its group is killed outright. */
const KILL_GRACE_MS = 1000;

/**
 * Runs a program (a healthcheck script). Fields: exit_code (128 + the signal's number when killed, as
 * a shell reports it), stdout; a number printed alone on stdout is also `value`. The program leads its
 * own process group, so a timeout kills everything it started, and anything still left in the group
 * when it exits is killed too: a check leaves no processes behind.
 */
export const commandCheck = {
  kind: 'command',
  description: 'run a program: exit_code and stdout; a number printed on stdout is value',
  options,
  defaultExpect: ['exit_code == 0'],
  produces: () => ({ fields: ['exit_code', 'stdout'], values: ['value'] }),
  probe: probeCommand,
} satisfies CheckKindDefinition<CommandOptions>;

async function probeCommand(o: CommandOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const [file, args] =
    typeof o.run === 'string' ? ['/bin/sh', ['-c', o.run]] : [o.run[0] ?? '', o.run.slice(1)];
  const cwd = resolve(context.baseDir, o.cwd ?? '.');
  const isDir = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return { subject: {}, error: `the working directory ${cwd} does not exist` };

  let identity: Identity | undefined;
  if (o.user !== undefined) {
    try {
      identity = await lookupUser(o.user, context.signal);
    } catch (error) {
      return { subject: {}, error: error instanceof Error ? error.message : String(error) };
    }
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
  if (identity) Object.assign(env, { HOME: identity.home, USER: identity.name, LOGNAME: identity.name });
  if (context.signal.aborted) return { subject: {}, error: 'aborted before the program started' };

  return new Promise((done) => {
    const child = spawn(file, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes < STDOUT_LIMIT) stdout.push(chunk.subarray(0, STDOUT_LIMIT - stdoutBytes));
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
    });

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already empty.
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      graceTimer.unref();
    };
    context.signal.addEventListener('abort', onAbort, { once: true });

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    // Reaped just now, so the group id cannot have been reused: whatever the program left running
    // (and still holding stdout open) goes with it.
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      killGroup('SIGKILL');
    });
    child.once('error', (error) => {
      context.signal.removeEventListener('abort', onAbort);
      done({ subject: {}, error: `could not run ${file}: ${error.message}` });
    });
    child.once('close', () => {
      context.signal.removeEventListener('abort', onAbort);
      clearTimeout(graceTimer);
      const code = exit?.code ?? (exit?.signal ? 128 + (constants.signals[exit.signal] ?? 0) : -1);
      const text = Buffer.concat(stdout).toString('utf8');
      const trimmed = text.trim();
      const outcome: ProbeOutcome = {
        subject: { exitCode: code, stdout: text },
        details: { pid: child.pid },
      };
      if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(trimmed))
        outcome.subject.values = { value: Number(trimmed) };
      if (exit?.signal) outcome.details = { ...outcome.details, signal: exit.signal };
      if (stdoutBytes > STDOUT_LIMIT)
        outcome.details = { ...outcome.details, stdout_truncated_bytes: stdoutBytes };
      if (stderr.trim() !== '') outcome.details = { ...outcome.details, stderr: stderr.trim() };
      done(outcome);
    });
  });
}

interface Identity {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A user's uid, primary gid and home through NSS (getent), so LDAP and systemd users resolve too. */
async function lookupUser(user: string, signal: AbortSignal): Promise<Identity> {
  const entry = await new Promise<string>((ok, fail) => {
    execFile('getent', ['passwd', user], { signal, timeout: 5000 }, (error, out) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        fail(
          code === 'ENOENT'
            ? new DayshiftError('CHECK_FAILED', `cannot look up user ${user}: getent is missing`, {
                hint: 'install getent (glibc: libc-bin), or remove user:',
                cause: error,
              })
            : noSuchUser(user, error),
        );
      } else ok(out.trim().split('\n')[0] ?? '');
    });
  });
  const [name, , uid, gid, , home] = entry.split(':');
  if (!name || uid === undefined || gid === undefined) throw noSuchUser(user);
  if (process.getuid && process.getuid() !== 0 && Number(uid) !== process.getuid())
    throw new DayshiftError('CHECK_FAILED', `running as ${user} needs Dayshift to run as root`, {
      hint: 'run Dayshift as root, or remove user: from the check',
    });
  return { name, uid: Number(uid), gid: Number(gid), home: home || '/' };
}

function noSuchUser(user: string, cause?: unknown): DayshiftError {
  return new DayshiftError('CHECK_FAILED', `no such user: ${user}`, {
    hint: 'user: names a user of this host (getent passwd lists them)',
    cause,
  });
}
