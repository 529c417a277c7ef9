/**
 * The confinement rule on its own, as a table of targets (nothing here connects to a server): which
 * servers a stack file names (sources, drill targets, checks), how hosts and ports are compared, whose
 * credentials a URL without them gets, and how paths resolve through symlinks.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceOf } from '../../src/backup/sources/registry.js';
import {
  confineRestoreTo,
  maskedTo,
  restorePolicy,
} from '../../src/backup/sources/shared/restore-confinement.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'dayshift-confine-rules-'));
const dir = path.join(root, 'stack');
mkdirSync(path.join(dir, 'inside'), { recursive: true });
mkdirSync(path.join(root, 'extra'));
symlinkSync(path.join(dir, 'inside'), path.join(dir, 'to-inside'));
symlinkSync(path.join(root, 'nowhere'), path.join(dir, 'dangling'));
// A path through a regular file resolves as written (the restore then fails to make its directory).
writeFileSync(path.join(dir, 'a-file'), 'x');
writeFileSync(path.join(root, 'a-file'), 'x');
writeFileSync(
  path.join(dir, 'dayshift.yaml'),
  `version: 1
restore: { allowed_paths: [ ../extra ] }
services:
  reports:
    checks:
      rows: { sql: { url: "postgres://reader:check-pw@Reports.Internal/reports", query: "select 1" } }
repositories:
  vault: { local: { path: vault } }
backups:
  pg:
    source: { postgres: { url: "postgres://app:app-pw@127.0.0.1:5432/app" } }
    repository: vault
    drill: { into: { postgres: { url: "postgres://drill:drill-pw@scratch.internal:6432/postgres" } } }
  my: { source: { mysql: { url: "mysql://root@127.0.0.1/test" } }, repository: vault }
  files: { source: { files: { paths: [ inside ] } }, repository: vault }
  vol: { source: { volume: { name: media_data } }, repository: vault }
  vol2: { source: { volume: { name: certs_data } }, repository: vault }
`,
);
const { config } = loadConfigOrThrow(path.join(dir, 'dayshift.yaml'), { env: {} });
const policy = restorePolicy(config, dir);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function confine(backup: string, to: string) {
  const b = config.backups[backup];
  if (!b) throw new Error(`no backup ${backup}`);
  try {
    return confineRestoreTo(policy, sourceOf(b.source.kind), b.source.options, to);
  } catch (error) {
    if (error instanceof DayshiftError) return { refused: error.code, message: error.message };
    throw error;
  }
}

describe('databases: only on servers the stack file names, with its credentials', () => {
  it.each([
    // [backup, to, server URL used (credentials from the stack file), database]
    ['pg', 'copy', 'postgres://app:app-pw@127.0.0.1:5432/app', 'copy'],
    ['pg', 'postgres://127.0.0.1:5432/copy', 'postgres://app:app-pw@127.0.0.1:5432/app', 'copy'],
    ['pg', 'postgres://localhost/copy', 'postgres://app:app-pw@127.0.0.1:5432/app', 'copy'],
    ['pg', 'postgresql://[::1]:5432/copy', 'postgres://app:app-pw@127.0.0.1:5432/app', 'copy'],
    ['pg', 'postgres://app@LOCALHOST:5432/copy', 'postgres://app:app-pw@127.0.0.1:5432/app', 'copy'],
    [
      'pg',
      'postgres://scratch.internal:6432/x',
      'postgres://drill:drill-pw@scratch.internal:6432/postgres',
      'x',
    ],
    [
      'pg',
      'postgres://reports.internal:5432/r2',
      'postgres://reader:check-pw@Reports.Internal/reports',
      'r2',
    ],
    ['my', 'mysql://127.0.0.1:3306/copy', 'mysql://root@127.0.0.1/test', 'copy'],
    ['my', 'mariadb://localhost/copy', 'mysql://root@127.0.0.1/test', 'copy'],
  ])('%s to %s restores on %s', (backup, to, serverUrl, database) => {
    expect(confine(backup, to)).toEqual({ kind: 'database', serverUrl, database });
  });

  it.each([
    ['pg', 'postgres://10.0.0.5:5432/x', 'RESTORE_TARGET_REFUSED', /server 10\.0\.0\.5:5432 is not a server/],
    ['pg', 'postgres://127.0.0.1:5433/x', 'RESTORE_TARGET_REFUSED', /server localhost:5433/],
    ['pg', 'postgres://127.0.0.2:5432/x', 'RESTORE_TARGET_REFUSED', /server 127\.0\.0\.2:5432/],
    ['pg', 'postgres://scratch.internal/x', 'RESTORE_TARGET_REFUSED', /scratch\.internal:5432/],
    [
      'pg',
      'postgres://someone@127.0.0.1/x',
      'RESTORE_TARGET_REFUSED',
      /no connection to localhost:5432 as someone/,
    ],
    ['pg', 'postgres://app:guess@127.0.0.1/x', 'BAD_REQUEST', /carries a password/],
    ['pg', 'postgres://127.0.0.1/x?host=10.0.0.5', 'BAD_REQUEST', /has parameters/],
    ['pg', 'postgres://127.0.0.1:5432', 'BAD_REQUEST', /names no database/],
    ['pg', 'mysql://127.0.0.1/x', 'BAD_REQUEST', /expected a postgres:\/\/ URL/],
    ['pg', 'a/b', 'BAD_REQUEST', /no \//],
    ['my', 'mysql://127.0.0.1:5432/x', 'RESTORE_TARGET_REFUSED', /server localhost:5432/],
  ])('%s to %s is refused (%s)', (backup, to, code, message) => {
    const refused = confine(backup, to) as { refused: string; message: string };
    expect(refused.refused).toBe(code);
    expect(refused.message).toMatch(message);
    expect(refused.message).not.toMatch(/guess/);
  });
});

describe('paths: under the stack file directory or restore.allowed_paths, symlinks resolved', () => {
  it.each([
    ['copy', path.join(dir, 'copy')],
    ['inside/deeper/new', path.join(dir, 'inside', 'deeper', 'new')],
    ['to-inside/x', path.join(dir, 'inside', 'x')],
    ['../extra/x', path.join(root, 'extra', 'x')],
    [path.join(root, 'extra'), path.join(root, 'extra')],
    ['.', dir],
    ['a-file/x', path.join(dir, 'a-file', 'x')],
  ])('files to %s restores into %s', (to, resolved) => {
    expect(confine('files', to)).toMatchObject({ kind: 'path', path: resolved });
  });

  it.each([
    ['..', /is outside/],
    ['../elsewhere', /is outside/],
    ['/etc', /is outside/],
    [`${dir}-sibling/x`, /is outside/],
    ['../extra-not/x', /is outside/],
    ['dangling/x', /a symlink to nothing/],
    ['../a-file/x', /is outside/],
  ])('files to %s is refused', (to, message) => {
    expect(confine('files', to)).toMatchObject({ refused: 'RESTORE_TARGET_REFUSED', message });
  });

  it('a URL is not a path, and a volume name must be one a backup names', () => {
    expect(confine('files', 'http://x/y')).toMatchObject({ refused: 'BAD_REQUEST' });
    expect(confine('vol', 'certs_data')).toEqual({ kind: 'name', name: 'certs_data' });
    expect(confine('vol', 'other_data')).toMatchObject({ refused: 'RESTORE_TARGET_REFUSED' });
    expect(confine('vol', './copy')).toMatchObject({ kind: 'path', path: path.join(dir, 'copy') });
  });

  it('what is stored or shown of a to never has its password', () => {
    expect(maskedTo('postgres://app:guess@127.0.0.1/x')).toBe('postgres://app:***@127.0.0.1/x');
    expect(maskedTo('../extra/x')).toBe('../extra/x');
  });
});
