import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { snapshotDump } from '../../src/backup/repositories/local/snapshot-run.js';
import { ResticRepository } from '../../src/backup/repositories/restic/restic-repository.js';
import { dumpPostgres, postgresBackupSource, restorePostgres } from '../../src/backup/sources/postgres.js';
import { DayshiftError } from '../../src/errors.js';
import { TEST_PG_URL } from '../global-setup.js';
import { adminQuery } from '../helpers/stores.js';

const ROLE_PASSWORD = 'canary-pg-pass-6d21';

const admin = adminQuery;

function urlFor(database: string, user?: string, password?: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  if (password !== undefined) url.password = password;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres backups into the local repository (real PostgreSQL, pg_dump, pg_restore)', () => {
  const suffix = randomBytes(4).toString('hex');
  const source = `dayshift_bk_${suffix}`;
  const scratch = `dayshift_bk_restore_${suffix}`;
  const role = `dayshift_bk_${suffix}`;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'dayshift-pgbk-'));
    await admin(`create database ${source}`);
    await admin(`create role ${role} login password '${ROLE_PASSWORD}'`);
    await admin(`alter database ${source} owner to ${role}`);
    const url = urlFor(source, role, ROLE_PASSWORD);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`
      create table tenants (id serial primary key, name text not null);
      create table devices (id bigserial primary key, tenant_id int references tenants(id), serial text, seen timestamptz default now());
      create schema audit;
      create table audit.events (id bigserial primary key, body jsonb);
      insert into tenants (name) select 'tenant-' || g from generate_series(1, 25) g;
      insert into devices (tenant_id, serial) select 1 + g % 25, md5(g::text) from generate_series(1, 20000) g;
      insert into audit.events (body) select jsonb_build_object('n', g) from generate_series(1, 3000) g;
    `);
    await client.end();
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await admin(`drop database if exists ${scratch} with (force)`);
    await admin(`drop database if exists ${source} with (force)`);
    await admin(`drop role if exists ${role}`);
  });

  const options = () => postgresBackupSource.options.parse({ url: urlFor(source, role, ROLE_PASSWORD) });

  it('dumps with row counts taken in the dump snapshot, restores into a new database with the same data', async () => {
    const repo = new LocalRepository(root, { passphrase: 'drill-pass' });
    const manifest = await snapshotDump(repo, 'db', await dumpPostgres(options()));
    expect(manifest.source).toMatchObject({
      kind: 'postgres',
      rows: { tenants: 25, devices: 20000, 'audit.events': 3000 },
    });
    expect(manifest.entries[0]?.size).toBeGreaterThan(100_000);
    expect(JSON.stringify(manifest)).not.toContain(ROLE_PASSWORD);

    await admin(`create database ${scratch}`);
    await restorePostgres(urlFor(scratch), await repo.read('db', manifest.id, 'db.dump'));
    const [counts] = await query<{ t: string; d: string; e: string; sum: string }>(
      urlFor(scratch),
      `select (select count(*) from tenants) t, (select count(*) from devices) d,
              (select count(*) from audit.events) e, (select sum(tenant_id) from devices) sum`,
    );
    const [original] = await query<{ sum: string }>(urlFor(source), 'select sum(tenant_id) sum from devices');
    expect(counts).toEqual({ t: '25', d: '20000', e: '3000', sum: original?.sum });
  });

  it('streams the same dump into a restic repository and restores it from there', async () => {
    const restic = new ResticRepository({ repository: path.join(root, 'restic'), password: 'restic-pass' });
    await restic.ensure();
    const dump = await dumpPostgres(options());
    const [entry] = dump.streams;
    const stored = await restic.backup('db', entry?.name ?? '', entry?.stream as Readable);
    const facts = await dump.finished;
    expect(facts).toMatchObject({ rows: { devices: 20000 } });
    expect(stored.bytes).toBeGreaterThan(100_000);

    const fromRestic = `${scratch}_restic`;
    await admin(`create database ${fromRestic}`);
    try {
      await restorePostgres(urlFor(fromRestic), restic.read(stored.id, 'db.dump'));
      const [row] = await query<{ d: string }>(urlFor(fromRestic), 'select count(*) d from devices');
      expect(row?.d).toBe('20000');
    } finally {
      await admin(`drop database if exists ${fromRestic} with (force)`);
    }
  });

  it('a login the server refuses is a clear error without the password, and leaves no snapshot', async () => {
    // The test server trusts loopback connections, so a wrong password cannot be refused here; a role
    // that does not exist is refused the same way, at connection time.
    const repo = new LocalRepository(path.join(root, 'plain'));
    const refused = postgresBackupSource.options.parse({
      url: urlFor(source, 'no_such_role', 'canary-wrong-pass'),
    });
    const error = await dumpPostgres(refused)
      .then((dump) => snapshotDump(repo, 'refused', dump))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as Error).message).toMatch(
      /could not connect to the database to back it up: .*no_such_role/,
    );
    expect((error as Error).message).not.toContain('canary-wrong-pass');
    expect(await repo.list('refused')).toEqual([]);
  });

  it('a dump process that dies mid-way fails the backup and leaves no snapshot', async () => {
    const repo = new LocalRepository(path.join(root, 'plain'));
    const controller = new AbortController();
    const dump = await dumpPostgres(options(), controller.signal);
    // Killed as soon as it has written something.
    dump.streams[0]?.stream.once('data', () => controller.abort());
    const error = await snapshotDump(repo, 'killed', dump).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as Error).message).toMatch(/pg_dump was stopped before it finished|pg_dump was killed/);
    expect(await repo.list('killed')).toEqual([]);
  });
});
