import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { snapshotDump } from '../../src/backup/repositories/local/snapshot-run.js';
import { dumpFiles, restoreFiles } from '../../src/backup/sources/shared/directory-archive.js';
import type { ArchivedFile } from '../../src/backup/sources/shared/tar-index.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe("files backups: runbook 000's certs/ and nginx/state/, runbook 004's uploads/", () => {
  let dir: string;
  const MTIME = new Date('2025-03-04T05:06:07Z');
  const longName = `${'deep/'.repeat(25)}report-with-a-name-longer-than-a-hundred-bytes.csv`;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-filesbk-'));
    const app = path.join(dir, 'app');
    mkdirSync(path.join(app, 'certs'), { recursive: true });
    mkdirSync(path.join(app, 'nginx', 'state'), { recursive: true });
    mkdirSync(path.join(app, 'uploads', path.dirname(longName)), { recursive: true });
    writeFileSync(path.join(app, 'certs', 'server.key'), 'PRIVATE KEY\n');
    chmodSync(path.join(app, 'certs', 'server.key'), 0o600);
    writeFileSync(path.join(app, 'certs', 'server.crt'), 'CERTIFICATE\n');
    utimesSync(path.join(app, 'certs', 'server.crt'), MTIME, MTIME);
    symlinkSync('server.crt', path.join(app, 'certs', 'current.crt'));
    writeFileSync(path.join(app, 'nginx', 'state', 'acme.json'), '{"ok":true}');
    writeFileSync(path.join(app, 'nginx', 'state', 'cache.tmp'), 'skip me');
    writeFileSync(path.join(app, 'uploads', longName), 'a,b\n1,2\n');
    writeFileSync(path.join(app, 'uploads', 'photo.bin'), Buffer.alloc(300_000, 7));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips modes, mtimes, symlinks and long names, and lists every file with its SHA-256', async () => {
    const repo = new LocalRepository(path.join(dir, 'repo'));
    const dump = dumpFiles(
      { paths: ['certs', 'nginx/state', 'uploads'], exclude: ['*.tmp'] },
      path.join(dir, 'app'),
    );
    const manifest = await snapshotDump(repo, 'media', dump);
    const files = manifest.source.files as ArchivedFile[];
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        'certs/server.crt',
        'certs/server.key',
        'nginx/state/acme.json',
        `uploads/${longName}`,
        'uploads/photo.bin',
      ].sort(),
    );
    expect(files.find((f) => f.path === 'uploads/photo.bin')).toEqual({
      path: 'uploads/photo.bin',
      size: 300_000,
      sha256: sha(Buffer.alloc(300_000, 7)),
    });

    const into = path.join(dir, 'restored');
    await restoreFiles(await repo.read('media', manifest.id, 'files.tar'), into);
    expect(lstatSync(path.join(into, 'certs', 'server.key')).mode & 0o777).toBe(0o600);
    expect(lstatSync(path.join(into, 'certs', 'server.crt')).mtime.toISOString()).toBe(MTIME.toISOString());
    expect(lstatSync(path.join(into, 'certs', 'current.crt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(into, 'certs', 'current.crt'))).toBe('server.crt');
    expect(readFileSync(path.join(into, 'uploads', longName), 'utf8')).toBe('a,b\n1,2\n');
    expect(() => lstatSync(path.join(into, 'nginx', 'state', 'cache.tmp'))).toThrow();
    for (const f of files) expect(sha(readFileSync(path.join(into, f.path)))).toBe(f.sha256);
  });

  it('a path that does not exist fails the backup and leaves no snapshot', async () => {
    const repo = new LocalRepository(path.join(dir, 'repo'));
    const error = await snapshotDump(
      repo,
      'broken',
      dumpFiles({ paths: ['no-such-dir'] }, path.join(dir, 'app')),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/tar exited with 2: .*no-such-dir/);
    expect(await repo.list('broken')).toEqual([]);
  });
});
