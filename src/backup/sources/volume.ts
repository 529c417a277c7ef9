import { z } from 'zod';
import type { BackupSourceDefinition } from './registry.js';

/** A Docker volume's contents (db_data, media_data). */
export const volumeBackupSource = {
  kind: 'volume',
  description: "a Docker volume's contents",
  options: z.strictObject({ name: z.string().min(1) }),
  /** A drill restores into a scratch volume of this name, or a temp directory when omitted. */
  target: z.strictObject({ name: z.string().min(1).optional() }),
} satisfies BackupSourceDefinition;
