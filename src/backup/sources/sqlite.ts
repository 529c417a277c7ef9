import { z } from 'zod';
import type { BackupSourceDefinition } from './registry.js';

/** SQLite's online backup API (what `sqlite3 db ".backup"` does), consistent while the app writes. */
export const sqliteBackupSource = {
  kind: 'sqlite',
  description: "SQLite's online backup API, consistent while the application writes",
  options: z.strictObject({ path: z.string().min(1) }),
  /** Where a drill writes the restored file; a temp file when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
} satisfies BackupSourceDefinition;
