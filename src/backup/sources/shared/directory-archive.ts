import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DayshiftError } from '../../../errors.js';
import type { Dump, RestoreTarget } from '../types.js';
import { checkedOutput, feedTool, readerDone, runTool } from './dump.js';
import { TarIndex } from './tar-index.js';

// A tree of files as one tar archive: what the files and volume sources dump, and how their
// snapshots go back into a directory.

/** A temp directory a drill restores into and removes afterwards. */
export async function scratchDirectory(parent: string | undefined): Promise<DirectoryTarget> {
  const base = parent ?? tmpdir();
  await mkdir(base, { recursive: true });
  return new DirectoryTarget(await mkdtemp(path.join(base, 'dayshift-drill-')), true);
}

/** A directory to extract into; tar replaces the files the archive holds and leaves others alone. */
export class DirectoryTarget implements RestoreTarget {
  readonly description: string;
  readonly directory: string;
  readonly #scratch: boolean;
  readonly #recheck: (() => void) | undefined;

  /** `recheck` runs before the directory is made and again just before extracting into it. */
  constructor(directory: string, scratch = false, recheck?: () => void) {
    this.directory = directory;
    this.#scratch = scratch;
    this.#recheck = recheck;
    this.description = `${scratch ? 'scratch ' : ''}directory ${directory}`;
  }

  async occupied(): Promise<boolean> {
    return ((await readdir(this.directory).catch(() => [])) as string[]).length > 0;
  }

  restore(stream: Readable, options: { signal?: AbortSignal }): Promise<void> {
    return restoreFiles(stream, this.directory, options.signal, this.#recheck);
  }

  async dispose(): Promise<void> {
    if (this.#scratch) await rm(this.directory, { recursive: true, force: true });
  }
}

/**
 * Archives the paths (relative to the stack file) with GNU tar in POSIX format, which keeps modes,
 * numeric owners, mtimes and symlinks, streamed. The manifest lists every regular file with its
 * SHA-256, read from the archive itself as it passes. tar's exit 1 ("file changed as we read it") is
 * a warning kept in the manifest; anything else fails the backup.
 */
export function dumpFiles(
  o: { paths: readonly string[]; exclude?: readonly string[] | undefined },
  baseDir: string,
  signal?: AbortSignal,
): Dump {
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
  const { stream } = checkedOutput(tool.stdout, index);
  const finished = tool.exited.then(async ({ code, stderr }) => {
    await readerDone(index);
    if (!index.complete)
      throw new DayshiftError(
        'BACKUP_FAILED',
        'the files backup from tar ended before the archive was complete',
        {
          hint: 'nothing was kept; run the backup again',
        },
      );
    return {
      kind: 'files',
      tool: 'GNU tar --format=posix',
      paths: o.paths,
      entries: index.entries,
      files: index.files,
      ...(code === 1 ? { warnings: stderr } : {}),
    };
  });
  finished.catch(() => {});
  return { streams: [{ name: 'files.tar', stream }], finished };
}

/** Extracts an archive into a directory, keeping modes, mtimes and symlinks (and owners as root). */
export async function restoreFiles(
  stream: Readable,
  into: string,
  signal?: AbortSignal,
  recheck?: () => void,
): Promise<void> {
  // What was confined before the restore began must still be where it was: a symlink planted since
  // would take mkdir and tar elsewhere.
  recheck?.();
  await mkdir(into, { recursive: true });
  recheck?.();
  const args = ['--extract', '--file=-', '--preserve-permissions', '--numeric-owner', `--directory=${into}`];
  if (process.getuid?.() === 0) args.push('--same-owner');
  await feedTool('tar', args, stream, { signal, what: `extracting into ${into}` });
}
