import { filesBackupSource } from './files.js';
import { mysqlBackupSource } from './mysql.js';
import { postgresBackupSource } from './postgres.js';
import { sqliteBackupSource } from './sqlite.js';
import { volumeBackupSource } from './volume.js';

/** Every backup source, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const backupSourceKinds = {
  postgres: postgresBackupSource,
  mysql: mysqlBackupSource,
  sqlite: sqliteBackupSource,
  files: filesBackupSource,
  volume: volumeBackupSource,
} as const;
