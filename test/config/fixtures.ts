import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** The CLI as `npm test` builds it. */
export const CLI = path.resolve('dist/cli/main.js');

/**
 * Builds dist/ when a source file is newer than the CLI (this file run alone after a change); `npm
 * test` builds first, so there this costs a directory walk instead of a 30-second compile.
 */
export function buildCliIfStale(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newer(full) : statSync(full).mtimeMs > built;
    });
  if (built > 0 && !newer(path.resolve('src'))) return;
  spawnSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    stdio: 'ignore',
  });
}
