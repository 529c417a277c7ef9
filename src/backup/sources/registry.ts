import type { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { filesBackupSource } from './files.js';
import { mysqlBackupSource } from './mysql.js';
import { postgresBackupSource } from './postgres.js';
import { sqliteBackupSource } from './sqlite.js';
import type { BackupSourceDefinition } from './types.js';
import { volumeBackupSource } from './volume.js';

/** Every backup source, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const backupSourceKinds = {
  postgres: postgresBackupSource,
  mysql: mysqlBackupSource,
  sqlite: sqliteBackupSource,
  files: filesBackupSource,
  volume: volumeBackupSource,
} as const satisfies Record<string, BackupSourceDefinition<z.ZodType, z.ZodType>>;

export type BackupSourceKind = keyof typeof backupSourceKinds;

/** A source by kind, with its options as parsed from the file. */
export function sourceOf(kind: string): BackupSourceDefinition<z.ZodType, z.ZodType> {
  const source = (backupSourceKinds as Record<string, BackupSourceDefinition>)[kind];
  // Validation refuses a kind that is not here, so only a bug gets this far.
  if (!source) throw new DayshiftError('INTERNAL', `unknown backup source kind ${kind}`);
  return source;
}

/** The drill targets, by source kind, for `into:`. */
export function restoreTargets() {
  const out = {} as { [K in BackupSourceKind]: (typeof backupSourceKinds)[K]['target'] };
  for (const [kind, def] of Object.entries(backupSourceKinds))
    (out as Record<string, z.ZodType>)[kind] = def.target.describe(`${kind}: ${def.description}`);
  return out;
}
