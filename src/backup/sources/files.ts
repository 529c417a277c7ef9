import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { type Dump, runTool } from '../dump.js';
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
  const tool = runTool('tar', args, {
    signal,
    what: 'the files backup',
    okCodes: [0, 1],
    hint: 'check the paths (relative to the stack file) and that they can be read; nothing was kept',
  });
  const index = new TarIndex();
  const stream = tool.stdout.pipe(index);
  const finished = tool.exited.then(({ code, stderr }) => ({
    kind: 'files',
    tool: 'GNU tar --format=posix',
    paths: o.paths,
    entries: index.entries,
    files: index.files,
    ...(code === 1 ? { warnings: stderr } : {}),
  }));
  finished.catch(() => {});
  return { streams: [{ name: 'files.tar', stream }], finished };
}

/** Extracts an archive into a directory, keeping modes, mtimes and symlinks (and owners as root). */
export async function restoreFiles(stream: Readable, into: string, signal?: AbortSignal): Promise<void> {
  await mkdir(into, { recursive: true });
  const args = ['--extract', '--file=-', '--preserve-permissions', '--numeric-owner', `--directory=${into}`];
  if (process.getuid?.() === 0) args.push('--same-owner');
  await runTool('tar', args, { signal, stdin: stream, what: `extracting into ${into}` }).exited;
}
