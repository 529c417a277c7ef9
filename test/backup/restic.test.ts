import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResticRepository } from '../../src/backup/repositories/restic/restic-repository.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'canary-restic-pass-0c4f';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('the restic repository (restic 0.14 on this machine)', () => {
  let dir: string;
  let repo: ResticRepository;
  const DATA = Buffer.concat([randomBytes(600_000), Buffer.alloc(400_000, 'x')]);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-restic-'));
    repo = new ResticRepository({ repository: 'repo', password: PASSWORD, baseDir: dir });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is created when missing, takes streamed dumps tagged with the backup, and gives them back', async () => {
    expect(await repo.ensure()).toBe(true);
    expect(await repo.ensure()).toBe(false);
    const first = await repo.backup(
      'db',
      'db.dump',
      Readable.from([DATA.subarray(0, 500_000), DATA.subarray(500_000)]),
    );
    expect(first.bytes).toBe(DATA.length);
    await repo.backup('db', 'db.dump', Readable.from([Buffer.from('second')]));
    await repo.backup('media', 'files.tar', Readable.from([Buffer.from('other backup')]));
    const snapshots = await repo.snapshots('db');
    expect(snapshots).toHaveLength(2);
    expect(snapshots.every((s) => s.tags.includes('dayshift:db'))).toBe(true);
    // restic 0.14 reports the short id after a backup; snapshots lists the full one.
    expect(snapshots[1]?.id.startsWith(first.id)).toBe(true);
    expect((await readAll(repo.read(first.id, 'db.dump'))).equals(DATA)).toBe(true);
  });

  it('forgets by the keep policy within the backup only, prunes, and checks a data subset', async () => {
    const { removed } = await repo.forget('db', { last: 1 });
    expect(removed).toHaveLength(1);
    expect(await repo.snapshots('db')).toHaveLength(1);
    expect(await repo.snapshots('media')).toHaveLength(1);
    const check = await repo.verify(100);
    expect(check.ok).toBe(true);
  });

  it('a dump stream that fails leaves no snapshot', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(10_000, 1));
        this.destroy(new Error('the dump tool died'));
      },
    });
    await expect(repo.backup('broken', 'db.dump', failing)).rejects.toThrow('the dump tool died');
    expect(await repo.snapshots('broken')).toEqual([]);
  });

  it('a reader that stops early stops restic dump instead of leaving it on a full pipe', async () => {
    // Far more than the pipes between restic and the reader hold.
    const big = await repo.backup('big', 'big.bin', Readable.from([randomBytes(16 * 1024 * 1024)]));
    const stream = repo.read(big.id, 'big.bin');
    stream.once('data', () => stream.destroy());
    const running = () =>
      spawnSync('pgrep', ['-f', `restic dump ${big.id}`], { encoding: 'utf8' }).stdout.trim();
    await until(() => (running() === '' ? true : undefined), 'restic dump to be gone', 20_000);
  });

  // A wrong password is refused in test/backup/repository-contract.test.ts, for every repository kind.
});
