import path from 'node:path';
import { z } from 'zod';
import { DirectoryTarget, dumpFiles, scratchDirectory } from './shared/directory-archive.js';
import { defineSource, unexpectedTo } from './types.js';

const options = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  /** Glob patterns to leave out, such as *.tmp. */
  exclude: z.array(z.string().min(1)).optional(),
});

/** Directories and files (bind mounts, certs/), with modes, owners, mtimes and symlinks. */
export const filesBackupSource = defineSource({
  kind: 'files',
  drillAssertions: ['exists', 'checksums', 'command'],
  description: 'directories and files, with modes, owners, mtimes and symlinks',
  options,
  /** The directory a drill makes its temp directory in; the system's temp directory when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
  restoreTo: { kind: 'path' },
  dump: async (o, ctx) => dumpFiles(o, ctx.baseDir, ctx.signal),
  scratch: (_o, into, ctx) => scratchDirectory(into?.path ? path.resolve(ctx.baseDir, into.path) : undefined),
  // The archive holds paths relative to the stack file's directory, so that is the original.
  async restoreTarget(_o, to, ctx) {
    if (to === undefined) return new DirectoryTarget(ctx.baseDir);
    if (to.kind !== 'path') return unexpectedTo('files', to);
    return new DirectoryTarget(to.path, false, to.recheck);
  },
});
