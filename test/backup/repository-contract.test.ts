/**
 * The contract every repository kind keeps, run through the common interface (`BackupRepository`, as
 * the registry opens it from its stack-file options) against each kind with its real tool, on both
 * stores (restic keeps its manifests in the store):
 *
 * - a dump is stored as one snapshot whose manifest has its size and SHA-256; it is listed, and read
 *   back byte for byte;
 * - verify passes on what was stored, and fails once one byte of it changes;
 * - retention: removing what a keep policy drops leaves the kept snapshots listed, readable and whole,
 *   and another backup's snapshots untouched;
 * - a wrong passphrase (password) is refused before anything is listed or stored, and never shown;
 * - only whole snapshots are listed: a dump that fails mid-stream, a dump tool that fails after its
 *   stream ended, an empty dump, and a write cut off by a crash are never listed; the first three
 *   leave nothing behind, the crash's leftovers wait for cleanUp.
 *
 * The cases are keyed by the registry (`repositoryKinds`): every kind has a case here or a written
 * reason to be skipped, and a kind with neither fails the suite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../src/backup/repositories/local/repository.js';
import { type RepositoryKind, repositoryKinds } from '../../src/backup/repositories/registry.js';
import { ResticRepository } from '../../src/backup/repositories/restic/restic-repository.js';
import { applyRetention } from '../../src/backup/repositories/shared/retention.js';
import type {
  BackupRepository,
  Dump,
  RepositoryKindDefinition,
  Snapshot,
} from '../../src/backup/repositories/types.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/** The passphrase (password) the repositories are made with, and one that does not open them. */
const SECRET = 'canary-repo-contract-right-4d1e';
const WRONG = 'canary-repo-contract-wrong-90ab';

/** 1.2 MB: random (incompressible) and repeated (compressible) bytes, in several chunks. */
const DATA = Buffer.concat([randomBytes(700_000), Buffer.alloc(500_000, 'row,')]);

interface RepositoryCase {
  /** The kind's options as the stack file writes them, in `dir`, made or opened with `secret`. */
  options(dir: string, secret: string): Record<string, unknown>;
  /** Changes one byte of what the repository stored for a snapshot. */
  damage(dir: string, backup: string, snapshot: Snapshot): void;
  /** Leaves what a crash in the middle of a store leaves: written data that was never committed. */
  crashedWrite(dir: string, backup: string): Promise<void>;
  /** How many uncommitted writes of a backup the repository holds (not counting listed snapshots). */
  leftovers(dir: string, backup: string, listed: number): Promise<number>;
}

/** Flips one byte in the middle of a file. */
function flipByte(file: string): void {
  const bytes = readFileSync(file);
  const middle = Math.floor(bytes.length / 2);
  bytes.writeUInt8((bytes.readUInt8(middle) ^ 0x01) & 0xff, middle);
  writeFileSync(file, bytes);
}

const resticOf = (dir: string) =>
  new ResticRepository({ repository: 'restic-repo', password: SECRET, baseDir: dir });

/** A case per repository kind, or why the kind has none: the type, and the first test, require every kind. */
const CASES: { [K in RepositoryKind]: RepositoryCase | { skip: string } } = {
  local: {
    options: (_dir, secret) => ({ path: 'vault', passphrase: secret }),
    damage: (dir, backup, snapshot) => flipByte(path.join(dir, 'vault', backup, snapshot.id, 'data', '0')),
    async crashedWrite(dir, backup) {
      const writer = await new LocalRepository(path.join(dir, 'vault'), { passphrase: SECRET }).begin(backup);
      await writer.add('db.dump', Readable.from([DATA]));
      // The process dies here: no commit.
    },
    async leftovers(dir, backup) {
      const names = readdirSync(path.join(dir, 'vault', backup));
      return names.filter((n) => n.startsWith('.partial-')).length;
    },
  },
  restic: {
    options: (_dir, secret) => ({ repository: 'restic-repo', password: secret }),
    // restic keeps data in packs shared by snapshots; the largest one holds the dump's blobs.
    damage(dir) {
      const packs = readdirSync(path.join(dir, 'restic-repo', 'data'), {
        recursive: true,
        withFileTypes: true,
      })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name))
        .sort((a, b) => statSync(b).size - statSync(a).size);
      flipByte(packs[0] as string);
    },
    async crashedWrite(dir, backup) {
      // restic saved the snapshot; the manifest, written only after the dump tool succeeded, never was.
      await resticOf(dir).backup(backup, 'db.dump', Readable.from([DATA]));
    },
    async leftovers(dir, backup, listed) {
      return (await resticOf(dir).snapshots(backup)).length - listed;
    },
  },
};

/** A dump of `data` in chunks, whose tool succeeds. */
function dumpOf(data: Buffer): Dump {
  const chunks = [data.subarray(0, 400_000), data.subarray(400_000)];
  const stream = Readable.from(chunks);
  const finished = new Promise<Record<string, unknown>>((resolve) =>
    stream.once('close', () => resolve({ kind: 'test', rows: { t: 3 } })),
  );
  return { streams: [{ name: 'db.dump', stream }], finished };
}

/** A dump whose stream breaks after `after` bytes, as when the tool is killed: its `finished` fails too. */
function brokenDump(after: number): Dump {
  const error = new Error('the dump tool was killed by SIGKILL');
  let sent = false;
  const stream = new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(DATA.subarray(0, after));
      setImmediate(() => this.destroy(error));
    },
  });
  const finished = new Promise<Record<string, unknown>>((_, reject) =>
    stream.once('close', () => reject(error)),
  );
  finished.catch(() => {});
  return { streams: [{ name: 'db.dump', stream }], finished };
}

/** A dump whose stream ends, but whose tool then reports that what it wrote was not whole. */
function unfinishedDump(): Dump {
  const stream = Readable.from([DATA.subarray(0, 300_000)]);
  const finished = new Promise<Record<string, unknown>>((_, reject) =>
    stream.once('close', () =>
      reject(new DayshiftError('BACKUP_FAILED', 'the dump ended before the archive was complete')),
    ),
  );
  finished.catch(() => {});
  return { streams: [{ name: 'db.dump', stream }], finished };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const KINDS = Object.keys(repositoryKinds) as RepositoryKind[];
/**
 * A kind's case, looked up as data: a kind added to the registry without one (a type error that
 * vitest does not see) reaches the test below, which names it, instead of failing the file as it loads.
 */
const caseOf = (kind: RepositoryKind): RepositoryCase | { skip: string } | undefined =>
  (CASES as Record<string, RepositoryCase | { skip: string } | undefined>)[kind];

describe('the repository contract covers every repository kind', () => {
  it.each(KINDS)('%s has a case, or a written reason to be skipped', (kind) => {
    const entry = caseOf(kind);
    expect(entry, `add a case for ${kind} to CASES, or { skip: 'why' }`).toBeDefined();
    if (entry && 'skip' in entry)
      expect(entry.skip.trim().length, `why ${kind} is skipped`).toBeGreaterThan(20);
  });

  it('has no case for a kind the registry does not hold', () => {
    expect(Object.keys(CASES).sort()).toEqual([...KINDS].sort());
  });
});

for (const kind of KINDS) {
  const entry = caseOf(kind);
  if (entry && 'skip' in entry) it.skip(`the repository contract: ${kind} (${entry.skip})`, () => {});
}

const RUNS = KINDS.flatMap((kind) => {
  const entry = caseOf(kind);
  return !entry || 'skip' in entry
    ? []
    : STORE_KINDS.map((storeKind) => ({ kind, storeKind, contract: entry }));
});

for (const { kind, storeKind, contract } of RUNS)
  describe(`the repository contract: ${kind} (${storeKind} store)`, () => {
    let testStore: TestStore;
    let store: Store;
    let dir: string;
    let opened = 0;
    let name: string;
    const clock = new ManualClock(Date.UTC(2026, 10, 2, 3, 0));

    beforeAll(async () => {
      testStore = await createTestStore(storeKind);
      store = await testStore.open();
    });
    afterAll(async () => {
      await testStore?.destroy();
    });
    // A fresh repository for each test, under a name of its own (restic's manifests are keyed by it).
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), `dayshift-repo-contract-${kind}-`));
      name = `repo-${++opened}`;
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The repository as a stack file would open it, through the registry and its option schema. */
    const open = (secret = SECRET, as = name): BackupRepository => {
      const definition = repositoryKinds[kind] as RepositoryKindDefinition;
      return definition.open(definition.options.parse(contract.options(dir, secret)), {
        name: as,
        baseDir: dir,
        db: store.db,
        clock,
      });
    };

    /** Stores a snapshot of DATA an hour after the previous one. */
    const stored = async (repository: BackupRepository, backup = 'db') => {
      clock.advance(3_600_000);
      return repository.store(backup, dumpOf(DATA));
    };

    it('stores a dump as one snapshot, lists it, and reads it back byte for byte', async () => {
      const repository = open();
      const snapshot = await stored(repository);
      expect(snapshot).toMatchObject({ backup: 'db', source: { kind: 'test', rows: { t: 3 } } });
      expect(snapshot.entries).toEqual([
        {
          name: 'db.dump',
          size: DATA.length,
          sha256: createHash('sha256').update(DATA).digest('hex'),
        },
      ]);
      // Another opening (another process) lists and reads it as well.
      const again = open();
      const listed = await again.list('db');
      expect(listed.map((s) => s.id)).toEqual([snapshot.id]);
      expect(listed[0]?.entries).toEqual(snapshot.entries);
      const back = await readAll(await again.read('db', listed[0] as Snapshot, 'db.dump'));
      expect(back.equals(DATA)).toBe(true);
    });

    it('verify passes on a stored snapshot, and fails once one byte of it changes', async () => {
      const repository = open();
      const snapshot = await stored(repository);
      const intact = await repository.verify('db', snapshot, { readDataPercent: 100 });
      expect(intact).toMatchObject({ ok: true, problems: [] });
      expect(intact.scope.length).toBeGreaterThan(0);

      contract.damage(dir, 'db', snapshot);
      const damaged = await repository.verify('db', snapshot, { readDataPercent: 100 });
      expect(damaged.ok).toBe(false);
      expect(damaged.problems.length).toBeGreaterThan(0);
    });

    it('retention: what a keep policy drops is removed; the kept stay listed, readable and whole', async () => {
      const repository = open();
      const taken = [];
      for (let i = 0; i < 3; i++) taken.push(await stored(repository));
      const other = await stored(repository, 'media');
      const listed = await repository.list('db');
      // Newest first.
      expect(listed.map((s) => s.id)).toEqual(taken.map((s) => s.id).reverse());

      const decision = applyRetention(
        listed.map((snapshot) => ({ snapshot, time: Date.parse(snapshot.createdAt) })),
        { last: 2 },
      );
      await repository.remove(
        'db',
        decision.remove.map((d) => d.snapshot),
      );
      const kept = await repository.list('db');
      expect(kept.map((s) => s.id)).toEqual([taken[2]?.id, taken[1]?.id]);
      expect((await repository.list('media')).map((s) => s.id)).toEqual([other.id]);
      const oldestKept = kept[1] as Snapshot;
      expect((await readAll(await repository.read('db', oldestKept, 'db.dump'))).equals(DATA)).toBe(true);
      expect((await repository.verify('db', oldestKept, { readDataPercent: 100 })).ok).toBe(true);
    });

    it('a wrong passphrase is refused before anything is listed or stored, and never shown', async () => {
      await stored(open());
      const wrong = open(WRONG);
      // Also under a name the store has no snapshot of yet: the repository itself is asked.
      const unrecorded = open(WRONG, `${name}-unrecorded`);
      for (const attempt of [
        () => wrong.list('db'),
        () => wrong.store('db', dumpOf(DATA)),
        () => unrecorded.list('db'),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DayshiftError);
        expect((error as DayshiftError).code).toBe('BACKUP_PASSPHRASE');
        expect((error as Error).message).not.toContain(WRONG);
        expect((error as Error).message).not.toContain(SECRET);
      }
      expect(await open().list('db')).toHaveLength(1);
    });

    it.each([
      ['a dump that breaks mid-stream', () => brokenDump(200_000), /killed by SIGKILL/],
      ['a dump tool that fails after its stream ended', unfinishedDump, /before the archive was complete/],
      ['an empty dump', () => dumpOf(Buffer.alloc(0)), /produced no data/],
    ])('%s is refused, never listed, and leaves nothing behind', async (_what, dump, says) => {
      const repository = open();
      const whole = await stored(repository);
      clock.advance(3_600_000);
      await expect(repository.store('db', dump())).rejects.toThrow(says);
      const listed = await repository.list('db');
      expect(listed.map((s) => s.id)).toEqual([whole.id]);
      expect(await contract.leftovers(dir, 'db', listed.length)).toBe(0);
    });

    it('a write cut off by a crash is never listed; what it left waits for cleanUp', async () => {
      const repository = open();
      const whole = await stored(repository);
      await contract.crashedWrite(dir, 'db');
      const listed = await repository.list('db');
      expect(listed.map((s) => s.id)).toEqual([whole.id]);
      expect(await contract.leftovers(dir, 'db', listed.length)).toBe(1);
      // Recent: it may belong to a backup still under way, so cleanUp leaves it for now.
      expect(await repository.cleanUp('db')).toBe(0);
      expect((await repository.list('db')).map((s) => s.id)).toEqual([whole.id]);
    });
  });
