import { z } from 'zod';
import type { BackupSourceDefinition } from './registry.js';

/** Directories and files (bind mounts, certs/), with modes, owners, mtimes and symlinks. */
export const filesBackupSource = {
  kind: 'files',
  description: 'directories and files, with modes, owners, mtimes and symlinks',
  options: z.strictObject({
    paths: z.array(z.string().min(1)).min(1),
    /** Glob patterns to leave out, such as *.tmp. */
    exclude: z.array(z.string().min(1)).optional(),
  }),
  /** The directory a drill restores into; a temp directory when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
} satisfies BackupSourceDefinition;
