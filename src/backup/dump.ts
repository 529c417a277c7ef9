import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DayshiftError } from '../errors.js';

/**
 * What a source's dump gives: named streams for the repository, and a promise that settles when the
 * dump tool has exited: with what to record in the manifest (tool version, row counts), or with the
 * reason it failed. A snapshot is committed only when both the streams and this promise succeed.
 */
export interface Dump {
  streams: Array<{ name: string; stream: Readable }>;
  finished: Promise<Record<string, unknown>>;
}

/** The last lines a tool wrote to stderr, for its error message; never a secret (passwords go by env). */
export function stderrTail(child: ChildProcess, max = 1_000): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-max);
  });
  return () => tail.trim();
}

/** Runs a dump tool with its stdout as the stream; `exited` rejects unless it exits 0. */
export function spawnTool(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; what: string },
): { child: ChildProcess; stdout: Readable; exited: Promise<void> } {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
  });
  const tail = stderrTail(child);
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        error.name === 'AbortError'
          ? new DayshiftError('BACKUP_FAILED', `${options.what}: ${command} was stopped before it finished`, {
              hint: 'nothing was kept',
            })
          : new DayshiftError(
              'BACKUP_FAILED',
              `${options.what}: could not run ${command}: ${error.message}`,
              {
                hint: `install ${command} (Debian: postgresql-client, mariadb-client)`,
              },
            ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new DayshiftError(
            'BACKUP_FAILED',
            `${options.what}: ${command} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${tail() ? `: ${tail()}` : ''}`,
            { hint: 'nothing was kept; fix the cause and run the backup again' },
          ),
        );
    });
  });
  // Awaited later (after the stream is stored); until then a failure must not count as unhandled.
  exited.catch(() => {});
  return { child, stdout: child.stdout as Readable, exited };
}
