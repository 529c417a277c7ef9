import type { Readable } from 'node:stream';

/*
 * Glossary.
 * - group: the process group a run leads. Every program runs detached, so its pid is the group id and
 *   whatever it starts (a shell's children, a script's background jobs) belongs to the same group.
 * - tail: the last bytes a program wrote to stdout or stderr, bounded; what came before is dropped and
 *   counted, so a chatty program cannot fill memory.
 * - outcome: how a run ended, as data. A program that exits non-zero, is killed, times out or cannot
 *   start at all still gives an outcome; the runner never throws for it.
 */

/** What to run: a program and its arguments (no shell), or one command line for `/bin/sh -c`. */
export type ProcessCommand = { file: string; args?: readonly string[] } | { shell: string };

/** How to run it. Everything is optional: no timeout, no stdin, Dayshift's own environment and cwd. */
export interface ProcessOptions {
  /** The working directory; Dayshift's own when absent. */
  cwd?: string;
  /** Added over the inherited environment (or over nothing, with `inheritEnv: false`); undefined removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** False starts from an empty environment instead of Dayshift's own. */
  inheritEnv?: boolean;
  /** Fed to the program's stdin, then closed; a stream that fails kills the group. No stdin when absent. */
  stdin?: string | Buffer | Readable;
  /** Kills the group after this many milliseconds; no limit when absent or 0. */
  timeoutMs?: number;
  /** Kills the group when it aborts (a job cancelled, the node shutting down). */
  signal?: AbortSignal;
  /** How long the group has between SIGTERM and SIGKILL on a timeout or abort (default 2 s). */
  killGraceMs?: number;
  /** How many bytes of each stream's end to keep (default 64 KiB each). */
  tailBytes?: { stdout?: number; stderr?: number };
  /** Keeps stdout and stderr in one tail (`stdout`), in the order they arrive, as a terminal shows them. */
  mergeOutput?: boolean;
  /** Values scrubbed from the tails beside every known secret: a password the caller put in `env`. */
  scrub?: readonly string[];
  /**
   * Stdout is data the caller parses (restic's JSON, a passwd entry), not words for a user: it is kept
   * as written, unscrubbed, since a scrubbed value would change the data. It must never be shown as is.
   */
  rawStdout?: boolean;
  /**
   * The program's group is left running when the program exits (a start command that backgrounds a
   * server): stdout and stderr are appended to `outputFile` instead of kept in memory, since what it
   * leaves running keeps writing to them after the run. A timeout or abort still kills the group.
   * The outcome's `stdout` is then the tail of what was appended during the run.
   */
  leaveRunning?: { outputFile: string };
  /**
   * Told the program's pid (its process group) as soon as it started, so a caller can record where
   * it runs (a runbook step, whose group another process must kill should this one die).
   */
  onStart?(pid: number): void;
  /** Runs as this user and group (Dayshift must run as root for another user's). */
  uid?: number;
  gid?: number;
}

/** How a run ended. */
export interface ProcessOutcome {
  /** The program's pid, which is also its group id; undefined when it never started. */
  pid: number | undefined;
  /** The exit code; null when a signal ended it or it never started. */
  exitCode: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  /** The runner killed it because `timeoutMs` passed. */
  timedOut: boolean;
  /** The runner killed it (or never started it) because `signal` aborted. */
  aborted: boolean;
  /** Set when the program could not be started (ENOENT, EACCES, a bad uid): nothing ran. */
  startError: (Error & { code?: string }) | undefined;
  durationMs: number;
  /** The tail of stdout (of both streams with `mergeOutput`; empty when stdout was streamed), secrets scrubbed. */
  stdout: string;
  /** The tail of stderr, secrets scrubbed. */
  stderr: string;
  /** How many bytes were dropped from the front of each tail. */
  truncated: { stdout: number; stderr: number };
}

/** A run whose stdout is handed over as a stream (a dump piped into a repository). */
export interface StreamingProcess {
  /** The program's stdout; read it to the end (or destroy it, which stops the program on a broken pipe). */
  stdout: Readable;
  /** Settles once the program has exited and its streams are closed; never rejects. */
  outcome: Promise<ProcessOutcome>;
}
