import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { DayshiftError } from '../../src/errors.js';

const PASSPHRASE = 'canary-passphrase-3b8e0d';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** 3.5 MiB: several sealed chunks, partly compressible. */
const DATA = Buffer.concat([randomBytes(1_500_000), Buffer.alloc(2_000_000, 'row,'), randomBytes(170_000)]);

describe.each([
  ['plain', undefined],
  ['encrypted', PASSPHRASE],
])('the local repository (%s)', (_mode, passphrase) => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dayshift-repo-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores streams with a manifest of sizes and SHA-256, and reads them back', async () => {
    const repo = new LocalRepository(root, { passphrase });
    const writer = await repo.begin('db');
    const entry = await writer.add(
      'db.dump',
      Readable.from([DATA.subarray(0, 1_000_000), DATA.subarray(1_000_000)]),
    );
    const manifest = await writer.commit({ kind: 'postgres', tables: { tenants: 3 } });
    expect(entry.size).toBe(DATA.length);
    expect(entry.stored).toBeLessThan(DATA.length);
    expect(manifest).toMatchObject({
      backup: 'db',
      encrypted: passphrase !== undefined,
      source: { kind: 'postgres' },
    });
    const [listed] = await new LocalRepository(root, { passphrase }).list('db');
    expect(listed?.id).toBe(manifest.id);
    const back = await readAll(
      await new LocalRepository(root, { passphrase }).read('db', manifest.id, 'db.dump'),
    );
    expect(back.equals(DATA)).toBe(true);
    expect((await repo.verify('db', manifest.id)).ok).toBe(true);
    if (passphrase) {
      const stored = readFileSync(path.join(root, 'db', manifest.id, 'data', '0'));
      expect(stored.includes(Buffer.from('row,row,row,'))).toBe(false);
    }
  });

  it('a snapshot being written does not list, and is cleaned away once nothing writes to it', async () => {
    const repo = new LocalRepository(root, { passphrase });
    const writer = await repo.begin('db');
    await writer.add('db.dump', Readable.from([DATA]));
    // The process dies here: no commit.
    expect(await repo.list('db')).toEqual([]);
    expect(readdirSync(path.join(root, 'db')).some((n) => n.startsWith('.partial-'))).toBe(true);
    // Recently written: it may belong to a backup still under way, so it stays.
    expect(await repo.cleanPartials('db')).toBe(0);
    expect(await repo.cleanPartials('db', 0)).toBe(1);
    expect(readdirSync(path.join(root, 'db'))).toEqual([]);
  });

  it('one changed byte fails verify, naming the stream and its file, and fails a read', async () => {
    const repo = new LocalRepository(root, { passphrase });
    const writer = await repo.begin('media');
    await writer.add('certs.tar', Readable.from([DATA.subarray(0, 200_000)]));
    await writer.add('uploads.tar', Readable.from([DATA]));
    const manifest = await writer.commit({ kind: 'files' });
    const file = path.join(root, 'media', manifest.id, 'data', '1');
    const bytes = readFileSync(file);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8((bytes.readUInt8(middle) ^ 0x01) & 0xff, middle);
    writeFileSync(file, bytes);

    const result = await repo.verify('media', manifest.id);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ entry: 'uploads.tar', file });
    expect(result.problems[0]?.problem).toContain(`media/${manifest.id}/uploads.tar`);
    await expect(readAll(await repo.read('media', manifest.id, 'uploads.tar'))).rejects.toThrow(
      DayshiftError,
    );
  });
});

describe('the encrypted local repository', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dayshift-repo-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a wrong or missing passphrase with a clear error, and reads nothing', async () => {
    const repo = new LocalRepository(root, { passphrase: PASSPHRASE });
    const writer = await repo.begin('db');
    await writer.add('db.dump', Readable.from([DATA.subarray(0, 1000)]));
    const manifest = await writer.commit({});

    const wrong = new LocalRepository(root, { passphrase: 'not-it' });
    const error = await wrong.read('db', manifest.id, 'db.dump').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as DayshiftError).code).toBe('BACKUP_PASSPHRASE');
    expect((error as Error).message).toContain('the passphrase does not open the repository');
    expect((error as Error).message).not.toContain(PASSPHRASE);
    await expect(new LocalRepository(root).begin('db')).rejects.toThrow(/encrypted and no passphrase is set/);
  });

  it('keeps the passphrase and the key out of everything it writes', async () => {
    const repo = new LocalRepository(root, { passphrase: PASSPHRASE });
    const writer = await repo.begin('db');
    await writer.add('db.dump', Readable.from([Buffer.from('hello')]));
    await writer.commit({});
    const everything = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(path.join(e.parentPath, e.name)));
    for (const content of everything) expect(content.includes(Buffer.from(PASSPHRASE))).toBe(false);
  });
});
