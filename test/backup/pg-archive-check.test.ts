import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgArchiveCheck } from '../../src/backup/sources/shared/pg-archive-check.js';
import { TEST_PG_URL } from '../global-setup.js';
import { adminQuery } from '../helpers/stores.js';

/** Feeds bytes through a check in pieces of `piece` bytes; returns it once it has finished. */
async function follow(bytes: Buffer, piece: number): Promise<PgArchiveCheck> {
  const check = new PgArchiveCheck();
  check.resume();
  const finished = new Promise<void>((resolve, reject) => {
    check.on('end', resolve);
    check.on('error', reject);
  });
  for (let i = 0; i < bytes.length; i += piece) check.write(bytes.subarray(i, i + piece));
  check.end();
  await finished;
  return check;
}

describe('following a pg_dump custom archive as it streams (real pg_dump)', () => {
  const database = `dayshift_pgfmt_${randomBytes(4).toString('hex')}`;
  const dumps: Record<string, Buffer> = {};

  beforeAll(async () => {
    await adminQuery(`create database ${database}`);
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${database}`;
    execFileSync('psql', [
      url.toString(),
      '-qc',
      `create table people (id int primary key, name text);
       insert into people select g, repeat('n', g % 50) from generate_series(1, 3000) g;
       create table empty (id int);
       create schema audit; create table audit.events (body jsonb);
       insert into audit.events select jsonb_build_object('n', g) from generate_series(1, 500) g;
       select lo_from_bytea(0, 'a large object');`,
    ]);
    for (const [name, flags] of [
      ['compressed', []],
      ['uncompressed', ['--compress=0']],
    ] as const)
      dumps[name] = execFileSync('pg_dump', ['--format=custom', ...flags, url.toString()], {
        maxBuffer: 64 * 1024 * 1024,
      });
  });
  afterAll(async () => {
    await adminQuery(`drop database if exists ${database} with (force)`);
  });

  it('follows a whole archive to its end, however the stream is cut into pieces', async () => {
    for (const name of ['compressed', 'uncompressed']) {
      const bytes = dumps[name] as Buffer;
      for (const piece of [1, 7, 512, 65_536]) {
        const check = await follow(bytes, piece);
        expect(check.unchecked, `${name} in pieces of ${piece}`).toBeUndefined();
        expect(check.version).toMatch(/^1\.1[4-6]$/);
        expect(check.complete, `${name} in pieces of ${piece}`).toBe(true);
      }
    }
  });

  it('knows an archive cut short at any point, and names what did not arrive', async () => {
    const bytes = dumps.compressed as Buffer;
    const step = Math.max(1, Math.floor(bytes.length / 400));
    for (let cut = 0; cut < bytes.length; cut += step) {
      const check = await follow(bytes.subarray(0, cut), 4_096);
      expect(check.complete, `cut after ${cut} of ${bytes.length} bytes`).toBe(false);
    }
    const lastByteMissing = await follow(bytes.subarray(0, bytes.length - 1), 4_096);
    expect(lastByteMissing.complete).toBe(false);
    const early = await follow(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 4_096);
    expect(early.describeMissing()).toMatch(/^the data of \d+ of 4 entries did not arrive whole \(first: /);
  });

  it('refuses a data block of a type no archive has', async () => {
    const bytes = Buffer.from(dumps.uncompressed as Buffer);
    const whole = await follow(bytes, 65_536);
    expect(whole.complete).toBe(true);
    // The archive with a stray byte after its last block.
    await expect(follow(Buffer.concat([bytes, Buffer.from([9])]), 65_536)).rejects.toThrow(
      /cannot be followed: unknown block type 9/,
    );
  });
});
