import { pipeline, type Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DayshiftError } from '../../../errors.js';
import {
  describeEnd,
  type ProcessOptions,
  type ProcessOutcome,
  runProcess,
  streamProcess,
} from '../../../process/index.js';
import type { Dump } from '../types.js';

/**
 * Stops a dump nobody will read to its end (the repository failed, the node shuts down): aborts the
 * source's signal, destroys its streams, and waits until the source has released what it opened.
 */
export async function releaseDump(dump: Dump, stop: AbortController, reason: unknown): Promise<void> {
  stop.abort(reason);
  for (const { stream } of dump.streams) stream.destroy();
  await dump.finished.catch(() => {});
}

/** What to say about a dump or restore tool, and how to run it. */
export interface ToolOptions {
  /** Added to Dayshift's environment (PGAPPNAME); a password goes in `credentials`, never on a command line. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The operation, for messages: "the postgres dump". */
  what: string;
  /** Exit codes that are success (0 by default); tar's 1 is a warning. */
  okCodes?: readonly number[];
  hint?: string;
  /** Secret variables (a password): added to the environment like `env`, and scrubbed from what the tool says. */
  credentials?: NodeJS.ProcessEnv;
}

/** What a tool said last on stderr, kept for its error message. */
const STDERR_TAIL_BYTES = 1_000;

/**
 * Runs a dump tool: its stdout is the dump. `exited` settles when the tool has exited: with its code
 * and the tail of its stderr when the code is one of `okCodes`, else with an error that says why. A
 * stopped signal kills the tool's whole process group.
 */
export function runTool(
  command: string,
  args: string[],
  options: ToolOptions,
): { stdout: Readable; exited: Promise<{ code: number; stderr: string }> } {
  const run = streamProcess(
    { file: command, args },
    { ...processOptions(options), tailBytes: { stderr: STDERR_TAIL_BYTES } },
  );
  const exited = run.outcome.then((outcome) => judgeTool(command, options, outcome));
  // Often awaited later (after the stream is stored); until then a failure must not count as unhandled.
  exited.catch(() => {});
  return { stdout: run.stdout, exited };
}

/**
 * Runs a restore tool fed with `stdin`; settles as `runTool`'s `exited` does. A stream that fails
 * explains more than the tool that lost its input: it is the error then, and the tool is stopped
 * rather than left to take a cut-short input for a whole one.
 */
export async function feedTool(
  command: string,
  args: string[],
  stdin: Readable,
  options: ToolOptions,
): Promise<{ code: number; stderr: string }> {
  const outcome = await runProcess(
    { file: command, args },
    {
      ...processOptions(options),
      stdin,
      tailBytes: { stdout: STDERR_TAIL_BYTES, stderr: STDERR_TAIL_BYTES },
    },
  );
  return judgeTool(command, options, outcome, stdin);
}

function processOptions(options: ToolOptions): ProcessOptions {
  const credentials = options.credentials ?? {};
  return {
    env: { ...options.env, ...credentials },
    scrub: Object.values(credentials).filter((value) => value !== undefined),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

function judgeTool(
  command: string,
  options: ToolOptions,
  outcome: ProcessOutcome,
  stdin?: Readable,
): { code: number; stderr: string } {
  const said = outcome.stderr.trim();
  if (outcome.startError)
    throw new DayshiftError(
      'BACKUP_FAILED',
      `${options.what}: could not run ${command}: ${outcome.startError.message}`,
      {
        hint: `install ${command} (Debian: postgresql-client, mariadb-client, tar)`,
        cause: outcome.startError,
      },
    );
  if (outcome.aborted)
    throw new DayshiftError('BACKUP_FAILED', `${options.what}: ${command} was stopped before it finished`, {
      hint: 'nothing was kept',
    });
  if (stdin?.errored) throw stdin.errored;
  const okCodes = options.okCodes ?? [0];
  if (outcome.exitCode !== null && okCodes.includes(outcome.exitCode))
    return { code: outcome.exitCode, stderr: said };
  throw new DayshiftError(
    'BACKUP_FAILED',
    `${options.what}: ${command} ${describeEnd(outcome)}${said ? `: ${said}` : ''}`,
    { hint: options.hint ?? 'nothing was kept; fix the cause and run the backup again' },
  );
}

/**
 * A tool's output through the readers that check it, as one stream: an error in any part fails the
 * last, and a consumer that stops reading (its repository failed) destroys them all, so the tool gets
 * a broken pipe and exits instead of waiting forever on a full one.
 */
export function checkedOutput(
  output: Readable,
  ...readers: Transform[]
): { stream: Readable; readerFailure: () => DayshiftError | undefined } {
  let failure: DayshiftError | undefined;
  for (const reader of readers)
    reader.once('error', (error) => {
      if (error instanceof DayshiftError) failure ??= error;
    });
  // Errors reach whoever reads the last stream; the callback only keeps them from being unhandled.
  const stream = pipeline([output, ...readers], () => {}) as unknown as Readable;
  // A reader that refused the output explains more than the broken pipe the tool then died of.
  return { stream, readerFailure: () => failure };
}

/** Passes a stream through, failing it unless it starts with the tool's magic bytes. */
export class MagicCheck extends Transform {
  seen = 0;
  readonly #magic: Buffer;
  readonly #tool: string;
  #head = Buffer.alloc(0);

  constructor(magic: string, tool: string) {
    super();
    this.#magic = Buffer.from(magic);
    this.#tool = tool;
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null, data?: Buffer) => void,
  ): void {
    if (this.seen < this.#magic.length) {
      this.#head = Buffer.concat([this.#head, chunk]).subarray(0, this.#magic.length);
      if (!this.#magic.subarray(0, this.#head.length).equals(this.#head)) {
        done(
          new DayshiftError(
            'BACKUP_FAILED',
            `${this.#tool} did not write a dump (its output does not start with ${this.#magic})`,
          ),
        );
        return;
      }
    }
    this.seen += chunk.length;
    done(null, chunk);
  }
}

/**
 * Resolves when a pass-through reader (a row counter, a tar index) has seen every byte the tool wrote:
 * the tool can exit while its last bytes are still on their way through, and what the reader recorded
 * is only whole after this. Rejects when the stream was destroyed first.
 */
export async function readerDone(reader: Transform): Promise<void> {
  await finished(reader, { readable: false });
}
