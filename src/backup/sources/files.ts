import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { type Dump, stderrTail } from '../dump.js';
import { TarIndex } from '../tar-index.js';
import type { BackupSourceDefinition } from './registry.js';

const options = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  /** Glob patterns to leave out, such as *.tmp. */
  exclude: z.array(z.string().min(1)).optional(),
});

/** Directories and files (bind mounts, certs/), with modes, owners, mtimes and symlinks. */
export const filesBackupSource = {
  kind: 'files',
  description: 'directories and files, with modes, owners, mtimes and symlinks',
  options,
  /** The directory a drill restores into; a temp directory when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
} satisfies BackupSourceDefinition;

/**
 * Archives the paths (relative to the stack file) with GNU tar in POSIX format, which keeps modes,
 * numeric owners, mtimes and symlinks, streamed. The manifest lists every regular file with its
 * SHA-256, read from the archive itself as it passes. tar's exit 1 ("file changed as we read it") is
 * a warning kept in the manifest; anything else fails the backup.
 */
export function dumpFiles(o: z.output<typeof options>, baseDir: string, signal?: AbortSignal): Dump {
  const args = [
    '--create',
    '--file=-',
    '--format=posix',
    '--numeric-owner',
    `--directory=${path.resolve(baseDir)}`,
  ];
  for (const pattern of o.exclude ?? []) args.push(`--exclude=${pattern}`);
  args.push('--', ...o.paths);
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
  const tail = stderrTail(child);
  const index = new TarIndex();
  const stream = (child.stdout as Readable).pipe(index);
  const finished = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new DayshiftError('BACKUP_FAILED', `the files backup: tar failed to run: ${error.message}`)),
    );
    child.once('close', (code, killedBy) => {
      if (code === 0 || code === 1)
        resolve({
          kind: 'files',
          tool: 'GNU tar --format=posix',
          paths: o.paths,
          entries: index.entries,
          files: index.files,
          ...(code === 1 ? { warnings: tail() } : {}),
        });
      else
        reject(
          new DayshiftError(
            'BACKUP_FAILED',
            `the files backup: tar ${killedBy ? `was killed by ${killedBy}` : `exited with ${code}`}${tail() ? `: ${tail()}` : ''}`,
            {
              hint: 'check the paths (relative to the stack file) and that they can be read; nothing was kept',
            },
          ),
        );
    });
  });
  finished.catch(() => {});
  return { streams: [{ name: 'files.tar', stream }], finished };
}

/** Extracts an archive into a directory, keeping modes, mtimes and symlinks (and owners as root). */
export async function restoreFiles(stream: Readable, into: string, signal?: AbortSignal): Promise<void> {
  await mkdir(into, { recursive: true });
  const args = ['--extract', '--file=-', '--preserve-permissions', '--numeric-owner', `--directory=${into}`];
  if (process.getuid?.() === 0) args.push('--same-owner');
  const child = spawn('tar', args, { stdio: ['pipe', 'ignore', 'pipe'], signal });
  const tail = stderrTail(child);
  stream.on('error', (error) => child.stdin.destroy(error));
  child.stdin.on('error', () => {
    // tar stopped reading; its exit code says why
  });
  stream.pipe(child.stdin);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (stream.errored) throw stream.errored;
  if (code !== 0)
    throw new DayshiftError(
      'BACKUP_FAILED',
      `tar could not extract into ${into}: exit ${code}${tail() ? `: ${tail()}` : ''}`,
    );
}
