import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The variables the DESIGN example needs; every value carries a canary that must never be printed. */
export const designVariables = {
  DATABASE_URL: 'postgres://app:canary-db-password@127.0.0.1:5432/app',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/canary-slack',
  PD_ROUTING_KEY: 'canary-routing-key',
  BACKUP_PASSPHRASE: 'canary-passphrase',
  RESTIC_PASSWORD: 'canary-restic',
  BASE_URL: 'http://127.0.0.1:8080',
};

export const canaries = [
  'canary-db-password',
  'canary-slack',
  'canary-routing-key',
  'canary-passphrase',
  'canary-restic',
];

/** A temp directory for stack files, removed by `cleanup`. */
export function scratch(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), `dayshift-${prefix}-`));
  return {
    dir,
    write(name: string, text: string): string {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export { CLI } from '../helpers/built-cli.js';
