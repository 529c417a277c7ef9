import type { z } from 'zod';
import type { PluginDefinition } from '../../config/plugin.js';
import { filesBackupSource } from './files.js';
import { mysqlBackupSource } from './mysql.js';
import { postgresBackupSource } from './postgres.js';
import { sqliteBackupSource } from './sqlite.js';
import { volumeBackupSource } from './volume.js';

/**
 * A backup source: what it dumps (`options`) and where a restore drill may put it back (`target`,
 * the `into:` of a drill: a scratch database, a temp directory). Dump and restore arrive with backups.
 */
export interface BackupSourceDefinition extends PluginDefinition {
  target: z.ZodType;
}

/** Every backup source, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const backupSourceKinds = {
  postgres: postgresBackupSource,
  mysql: mysqlBackupSource,
  sqlite: sqliteBackupSource,
  files: filesBackupSource,
  volume: volumeBackupSource,
} as const satisfies Record<string, BackupSourceDefinition>;

export type BackupSourceKind = keyof typeof backupSourceKinds;

/** The drill targets, by source kind, for `into:`. */
export function restoreTargets() {
  const out = {} as { [K in BackupSourceKind]: (typeof backupSourceKinds)[K]['target'] };
  for (const [kind, def] of Object.entries(backupSourceKinds))
    (out as Record<string, z.ZodType>)[kind] = def.target.describe(`${kind}: ${def.description}`);
  return out;
}
