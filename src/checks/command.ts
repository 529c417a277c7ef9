import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DayshiftError } from '../errors.js';
import { commandOf, programOf, runProcess, shellExitCode } from '../process/index.js';
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

/** More than a healthcheck ever prints; the start is dropped so a chatty program cannot fill memory. */
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
  const command = commandOf(o.run);
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
  if (context.signal.aborted) return { subject: {}, error: 'aborted before the program started' };

  const run = await runProcess(command, {
    cwd,
    env: {
      ...o.env,
      ...(identity ? { HOME: identity.home, USER: identity.name, LOGNAME: identity.name } : {}),
    },
    signal: context.signal,
    killGraceMs: KILL_GRACE_MS,
    tailBytes: { stdout: STDOUT_LIMIT, stderr: STDERR_LIMIT },
    ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
  });
  if (run.startError)
    return { subject: {}, error: `could not run ${programOf(command)}: ${run.startError.message}` };
  const text = run.stdout;
  const trimmed = text.trim();
  const outcome: ProbeOutcome = {
    subject: { exitCode: shellExitCode(run) ?? -1, stdout: text },
    details: { pid: run.pid },
  };
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(trimmed))
    outcome.subject.values = { value: Number(trimmed) };
  if (run.signal) outcome.details = { ...outcome.details, signal: run.signal };
  // How much the program wrote in all, as before the tail was kept instead of the head.
  if (run.truncated.stdout > 0)
    outcome.details = {
      ...outcome.details,
      stdout_truncated_bytes: run.truncated.stdout + Buffer.byteLength(text),
    };
  if (run.stderr.trim() !== '') outcome.details = { ...outcome.details, stderr: run.stderr.trim() };
  return outcome;
}

interface Identity {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A user's uid, primary gid and home through NSS (getent), so LDAP and systemd users resolve too. */
async function lookupUser(user: string, signal: AbortSignal): Promise<Identity> {
  const found = await runProcess(
    { file: 'getent', args: ['passwd', user] },
    { signal, timeoutMs: 5000, rawStdout: true, tailBytes: { stdout: 64 * 1024, stderr: 1024 } },
  );
  if (found.startError?.code === 'ENOENT')
    throw new DayshiftError('CHECK_FAILED', `cannot look up user ${user}: getent is missing`, {
      hint: 'install getent (glibc: libc-bin), or remove user:',
      cause: found.startError,
    });
  if (found.exitCode !== 0) throw noSuchUser(user, found.startError);
  const entry = found.stdout.trim().split('\n')[0] ?? '';
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
