import { type ChildProcess, spawn } from 'node:child_process';
import { pipeline, type Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DayshiftError } from '../../../errors.js';
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

/** The last lines a tool wrote to stderr, for its error message; never a secret (passwords go by env). */
export function stderrTail(child: ChildProcess, max = 1_000): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-max);
  });
  return () => tail.trim();
}

/**
 * Runs a dump or restore tool. With `stdin`, that stream is fed to it (a restore); otherwise its stdout
 * is the stream (a dump). `exited` settles when the tool has exited: with its code and the tail of its
 * stderr when the code is one of `okCodes` (0 by default), else with an error that says why, with the
 * tail of stderr (never a secret: passwords go by environment).
 */
export function runTool(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    what: string;
    stdin?: Readable;
    okCodes?: readonly number[];
    hint?: string;
  },
): { child: ChildProcess; stdout: Readable; exited: Promise<{ code: number; stderr: string }> } {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', options.stdin ? 'ignore' : 'pipe', 'pipe'],
    signal: options.signal,
  });
  const tail = stderrTail(child);
  if (options.stdin && child.stdin) {
    const input = child.stdin;
    options.stdin.on('error', (error) => input.destroy(error));
    input.on('error', () => {
      // the tool stopped reading; its exit code says why
    });
    options.stdin.pipe(input);
  }
  const okCodes = options.okCodes ?? [0];
  const exited = new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        error.name === 'AbortError'
          ? new DayshiftError('BACKUP_FAILED', `${options.what}: ${command} was stopped before it finished`, {
              hint: 'nothing was kept',
              cause: error,
            })
          : new DayshiftError(
              'BACKUP_FAILED',
              `${options.what}: could not run ${command}: ${error.message}`,
              {
                hint: `install ${command} (Debian: postgresql-client, mariadb-client, tar)`,
                cause: error,
              },
            ),
      ),
    );
    child.once('close', (code, signal) => {
      // A stream that failed explains more than the tool that lost its input.
      if (options.stdin?.errored) reject(options.stdin.errored);
      else if (code !== null && okCodes.includes(code)) resolve({ code, stderr: tail() });
      else
        reject(
          new DayshiftError(
            'BACKUP_FAILED',
            `${options.what}: ${command} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${tail() ? `: ${tail()}` : ''}`,
            { hint: options.hint ?? 'nothing was kept; fix the cause and run the backup again' },
          ),
        );
    });
  });
  // Often awaited later (after the stream is stored); until then a failure must not count as unhandled.
  exited.catch(() => {});
  return { child, stdout: child.stdout as Readable, exited };
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
