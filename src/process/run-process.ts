import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { coerceError } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';
import { killGroup } from './kill-group.js';
import { OutputTail } from './output-tail.js';
import type { ProcessCommand, ProcessOptions, ProcessOutcome, StreamingProcess } from './types.js';

/** Enough for any healthcheck's or tool's last words, small enough that a chatty program costs nothing. */
const DEFAULT_TAIL_BYTES = 64 * 1024;
/** Time to exit cleanly on SIGTERM (close a connection, remove a temp file) before SIGKILL. */
const DEFAULT_KILL_GRACE_MS = 2_000;

/**
 * Runs a program to its end and gives how it ended, with the tails of its stdout and stderr. Never
 * rejects: a non-zero exit, a signal, a timeout, an abort and a program that cannot start are all in
 * the outcome. The program leads its own process group; a timeout or abort kills the whole group
 * (SIGTERM, then SIGKILL after the grace), and whatever the program left running when it exits is
 * killed too, so a run leaves no process behind.
 */
export function runProcess(command: ProcessCommand, options: ProcessOptions = {}): Promise<ProcessOutcome> {
  return start(command, options, false).outcome;
}

/**
 * Runs a program whose stdout is the product (a dump tool's archive): stdout is handed over as a
 * stream, stderr is kept as a tail. Otherwise the same as `runProcess`; the outcome settles once
 * stdout has been read to its end or destroyed.
 */
export function streamProcess(
  command: ProcessCommand,
  options: Omit<ProcessOptions, 'mergeOutput'> = {},
): StreamingProcess {
  return start(command, options, true);
}

function start(command: ProcessCommand, options: ProcessOptions, streamStdout: boolean): StreamingProcess {
  const started = performance.now();
  const [file, args] =
    'shell' in command ? ['/bin/sh', ['-c', command.shell]] : [command.file, [...(command.args ?? [])]];
  const stdoutTail = new OutputTail(options.tailBytes?.stdout ?? DEFAULT_TAIL_BYTES);
  const merged = options.mergeOutput === true && !streamStdout;
  const stderrTail = merged ? stdoutTail : new OutputTail(options.tailBytes?.stderr ?? DEFAULT_TAIL_BYTES);
  const ended = { timedOut: false, aborted: false };

  const outcomeOf = (
    pid: number | undefined,
    exitCode: number | null,
    signal: NodeJS.Signals | null,
    startError?: Error,
  ): ProcessOutcome => {
    const scrub = (text: string) => scrubSecrets(text, options.scrub);
    return {
      pid,
      exitCode,
      signal,
      ...ended,
      startError,
      durationMs: performance.now() - started,
      stdout: options.rawStdout && !merged ? stdoutTail.text() : scrub(stdoutTail.text()),
      stderr: merged ? '' : scrub(stderrTail.text()),
      truncated: { stdout: stdoutTail.dropped, stderr: merged ? 0 : stderrTail.dropped },
    };
  };
  const notStarted = (startError?: Error): StreamingProcess => ({
    stdout: Readable.from([]),
    outcome: Promise.resolve(outcomeOf(undefined, null, null, startError)),
  });

  if (options.signal?.aborted) {
    ended.aborted = true;
    return notStarted();
  }
  const env: NodeJS.ProcessEnv = options.inheritEnv === false ? {} : { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  let outputFd: number | undefined;
  let outputFrom = 0;
  if (options.leaveRunning) {
    try {
      outputFd = openSync(options.leaveRunning.outputFile, 'a');
      outputFrom = statSync(options.leaveRunning.outputFile).size;
    } catch (error) {
      if (outputFd !== undefined) closeSync(outputFd);
      return notStarted(coerceError(error));
    }
  }
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env,
      // Its own group, so one kill reaches everything it starts.
      detached: true,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', outputFd ?? 'pipe', outputFd ?? 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
  } catch (error) {
    // Some failures (a uid it may not take, an argument holding a NUL) are thrown at once.
    return notStarted(startErrorOf(error, file, options.cwd));
  } finally {
    // The child holds its own copy; what it leaves running writes to the file, never to Dayshift.
    if (outputFd !== undefined) closeSync(outputFd);
  }
  if (child.pid !== undefined) options.onStart?.(child.pid);
  let stdout = child.stdout ?? Readable.from([]);
  if (!streamStdout) stdout.on('data', (chunk: Buffer) => stdoutTail.push(chunk));
  else {
    // Node throws away the output of a child that exits while nobody listens to its stdout; through a
    // pipe there is always a listener, and the output waits for its reader. A reader that destroys the
    // stream destroys the child's end too, so the program stops on its broken output.
    const handedOver = new PassThrough();
    pipeline(stdout, handedOver, () => {});
    stdout = handedOver;
  }
  child.stderr?.on('data', (chunk: Buffer) => stderrTail.push(chunk));

  let exited = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (exited || graceTimer) return;
    killGroup(child.pid, 'SIGTERM');
    graceTimer = setTimeout(
      () => killGroup(child.pid, 'SIGKILL'),
      options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    );
  };
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          ended.timedOut = true;
          terminate();
        }, options.timeoutMs)
      : undefined;
  const onAbort = () => {
    ended.aborted = true;
    terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  if (child.stdin) feed(child.stdin, options.stdin, terminate);

  const outcome = new Promise<ProcessOutcome>((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const settle = (value: ProcessOutcome) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Reaped just now, so the group id cannot have been reused yet: whatever the program left
      // running (and still holding its stdout open) goes with it, unless it was asked to stay.
      if (options.leaveRunning) {
        readAppended(options.leaveRunning.outputFile, outputFrom, stdoutTail);
      } else killGroup(child.pid, 'SIGKILL');
      exited = true;
      // It ended on its own or was stopped: a timeout or abort while its last output is still being
      // read (a streamed dump) says nothing about how it ended.
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
    });
    child.once('error', (error) => {
      // Only a spawn failure reaches here (the runner never asks the child for anything else).
      if (child.pid === undefined)
        settle(outcomeOf(undefined, null, null, startErrorOf(error, file, options.cwd)));
    });
    child.once('close', (code, signal) => {
      // After a spawn failure 'close' follows 'error', which has settled already.
      if (child.pid === undefined) return;
      settle(outcomeOf(child.pid, exit?.code ?? code, exit?.signal ?? signal));
    });
  });
  return { stdout, outcome };
}

/** What a run appended to its output file, into its tail (read once, when the program exits). */
function readAppended(file: string, from: number, tail: OutputTail): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = statSync(file).size;
    const buffer = Buffer.alloc(64 * 1024);
    // The tail keeps the end only; what would be dropped at once is not read.
    for (let at = Math.max(from, size - 1024 * 1024); at < size; ) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
      if (read <= 0) break;
      tail.push(Buffer.from(buffer.subarray(0, read)));
      at += read;
    }
  } catch {
    // The file was removed or truncated meanwhile: the tail stays as far as it was read.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Feeds stdin. A program that exits without reading it is not an error (its exit says the rest). */
function feed(
  input: NodeJS.WritableStream & { on(event: 'error', listener: () => void): unknown },
  value: ProcessOptions['stdin'],
  terminate: () => void,
): void {
  input.on('error', () => {});
  if (value === undefined) return;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    input.end(value);
    return;
  }
  // A stream that fails mid-way must not look like a short, whole input: restic would commit it as a
  // snapshot and a SQL client would run half a dump. The program is stopped instead; the caller reads
  // the stream's own error from it.
  value.once('error', terminate);
  value.pipe(input);
}

/** The spawn failure, saying so when it is the working directory (Node blames the program for it). */
function startErrorOf(thrown: unknown, file: string, cwd: string | undefined): Error & { code?: string } {
  const error = coerceError(thrown) as Error & { code?: string };
  if (error.code === 'ENOENT' && cwd !== undefined && !isDirectory(cwd)) {
    const better = new Error(`the working directory ${cwd} does not exist`, { cause: error }) as Error & {
      code?: string;
    };
    better.code = 'ENOENT';
    return better;
  }
  if (!error.message.includes(file)) error.message = `${file}: ${error.message}`;
  return error;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
