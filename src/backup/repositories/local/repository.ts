import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DayshiftError } from '../../../errors.js';
import { type Clock, systemClock } from '../../../util/clock.js';
import { HashCheck } from '../shared/hash-check.js';
import { deriveKey, type KdfParams, newKdfParams, OpenStream, openText, sealText } from './crypto.js';
import { writeAtomically } from './durable-fs.js';
import type { Manifest } from './manifest.js';
import { SnapshotWriter } from './snapshot-writer.js';

export type { Manifest, ManifestEntry } from './manifest.js';
export { SnapshotWriter } from './snapshot-writer.js';

/**
 * Dayshift's own repository format, in a directory:
 *
 *   <path>/repository.json                    format version; with a passphrase, the scrypt salt and a
 *                                             sealed check value that tells a wrong passphrase at once
 *   <path>/<backup>/<snapshot id>/manifest.json
 *   <path>/<backup>/<snapshot id>/data/<n>    each stream gzip-compressed, then AES-256-GCM sealed
 *   <path>/<backup>/.partial-<id>/            a snapshot being written; never listed
 *
 * A snapshot is written under its partial name, every file fsynced, then renamed into place and the
 * parent fsynced: a crash leaves a partial directory (cleaned later), never a snapshot that looks whole.
 */

interface RepositoryFile {
  format: 1;
  kdf?: KdfParams;
  /** A known text sealed with the key, base64. */
  check?: string;
}

const CHECK_TEXT = 'dayshift repository key check';

export class LocalRepository {
  readonly root: string;
  readonly #passphrase: string | undefined;
  #key: Promise<Buffer | undefined> | undefined;

  readonly #clock: Clock;

  constructor(root: string, options: { passphrase?: string; clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.root = path.resolve(root);
    this.#passphrase = options.passphrase;
  }

  /** The key, from repository.json (made on first use); a wrong passphrase is refused here. */
  key(): Promise<Buffer | undefined> {
    this.#key ??= this.#openKey();
    return this.#key;
  }

  async #openKey(): Promise<Buffer | undefined> {
    await mkdir(this.root, { recursive: true });
    const file = path.join(this.root, 'repository.json');
    let meta: RepositoryFile | undefined;
    try {
      meta = JSON.parse(await readFile(file, 'utf8')) as RepositoryFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (!meta) {
      meta = { format: 1 };
      let key: Buffer | undefined;
      if (this.#passphrase) {
        meta.kdf = newKdfParams();
        key = await deriveKey(this.#passphrase, meta.kdf);
        meta.check = (await sealText(key, CHECK_TEXT)).toString('base64');
      }
      await writeAtomically(file, JSON.stringify(meta, null, 2));
      return key;
    }
    if (!meta.kdf) {
      if (this.#passphrase)
        throw new DayshiftError(
          'BACKUP_PASSPHRASE',
          `the repository ${this.root} is not encrypted, but a passphrase is set`,
          {
            hint: 'remove the passphrase from the repository, or use a new path for an encrypted one',
          },
        );
      return undefined;
    }
    if (!this.#passphrase)
      throw new DayshiftError(
        'BACKUP_PASSPHRASE',
        `the repository ${this.root} is encrypted and no passphrase is set`,
        {
          hint: 'set passphrase: under the repository (from an environment variable)',
        },
      );
    const key = await deriveKey(this.#passphrase, meta.kdf);
    const opened = await openText(key, Buffer.from(meta.check ?? '', 'base64')).catch(() => undefined);
    if (opened !== CHECK_TEXT)
      throw new DayshiftError(
        'BACKUP_PASSPHRASE',
        `the passphrase does not open the repository ${this.root}`,
        {
          hint: 'check the variable that holds it; nothing was read or written',
        },
      );
    return key;
  }

  /** Starts a snapshot of a backup; add streams, then commit (or abort). */
  async begin(backup: string): Promise<SnapshotWriter> {
    const key = await this.key();
    const id = `${new Date(this.#clock.now())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const dir = path.join(this.root, backup);
    const partial = path.join(dir, `.partial-${id}`);
    await mkdir(path.join(partial, 'data'), { recursive: true });
    return new SnapshotWriter({ backup, id, dir, partial, key, clock: this.#clock });
  }

  /** Whole snapshots of a backup, newest first. */
  async list(backup: string): Promise<Manifest[]> {
    const dir = path.join(this.root, backup);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const out: Manifest[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const manifest = await readManifest(path.join(dir, name)).catch(() => undefined);
      if (manifest) out.push(manifest);
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  async manifest(backup: string, id: string): Promise<Manifest> {
    const dir = path.join(this.root, backup, id);
    return readManifest(dir).catch((error: unknown) => {
      throw new DayshiftError('NOT_FOUND', `no snapshot ${id} of ${backup} in ${this.root}`, {
        hint: `dayshift backup list ${backup} shows them`,
        cause: error,
      });
    });
  }

  /** One stream of a snapshot, decrypted and decompressed, checked against its SHA-256 as it is read. */
  async read(backup: string, id: string, name: string): Promise<Readable> {
    const manifest = await this.manifest(backup, id);
    const entry = manifest.entries.find((e) => e.name === name);
    if (!entry) throw new DayshiftError('NOT_FOUND', `snapshot ${id} of ${backup} holds no ${name}`);
    const key = await this.key();
    const file = path.join(this.root, backup, id, 'data', entry.file);
    const what = `${backup}/${id}/${entry.name}`;
    const out = new PassThrough();
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [createReadStream(file)];
    if (manifest.encrypted) {
      if (!key) throw new DayshiftError('BACKUP_PASSPHRASE', `${what} is encrypted and no passphrase is set`);
      stages.push(new OpenStream(key, what));
    }
    const check = new HashCheck(entry, what, `data/${entry.file}`);
    if (entry.compression !== 'none') stages.push(createGunzip());
    stages.push(check);
    // `out` stays outside the pipeline, so it fails with an error that names the stream, not zlib's.
    check.pipe(out);
    pipeline(stages).catch((error: unknown) => {
      check.unpipe(out);
      out.destroy(error instanceof DayshiftError ? error : corrupt(what, error));
    });
    return out;
  }

  /**
   * Re-reads every stream of a snapshot against its manifest (size and SHA-256). Each problem names
   * the stream and the file it is stored in.
   */
  async verify(
    backup: string,
    id: string,
  ): Promise<{ ok: boolean; problems: Array<{ entry: string; file: string; problem: string }> }> {
    const manifest = await this.manifest(backup, id);
    const problems: Array<{ entry: string; file: string; problem: string }> = [];
    for (const entry of manifest.entries) {
      const file = path.join(this.root, backup, id, 'data', entry.file);
      try {
        const stream = await this.read(backup, id, entry.name);
        for await (const _ of stream) {
          // reading is the check: HashCheck fails the stream on a mismatch
        }
      } catch (error) {
        problems.push({
          entry: entry.name,
          file,
          problem: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { ok: problems.length === 0, problems };
  }

  async remove(backup: string, id: string): Promise<void> {
    const dir = path.join(this.root, backup, id);
    const doomed = path.join(this.root, backup, `.partial-removing-${id}`);
    // Renamed away first, so a crash mid-delete leaves nothing that lists as a snapshot.
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /**
   * Removes what crashed writes left behind: partial snapshots nothing has written to for
   * `staleAfterMs`. A partial still growing belongs to a backup under way (another process, another
   * node on a shared path) and is left alone.
   */
  async cleanPartials(backup: string, staleAfterMs = PARTIAL_STALE_MS): Promise<number> {
    const dir = path.join(this.root, backup);
    const names = await readdir(dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter((n) => n.startsWith('.partial-'))) {
      const partial = path.join(dir, name);
      if (Date.now() - (await lastWriteUnder(partial)) < staleAfterMs) continue;
      await rm(partial, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

/** A partial snapshot nothing wrote to for this long is taken to be left by a crash; a live dump writes as its data flows. */
export const PARTIAL_STALE_MS = 15 * 60_000;

/** The newest modification time of a directory and the files under it, in epoch milliseconds. */
async function lastWriteUnder(dir: string): Promise<number> {
  let newest = 0;
  const visit = async (at: string): Promise<void> => {
    const info = await stat(at).catch(() => undefined);
    if (!info) return;
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory())
      for (const child of await readdir(at).catch(() => [] as string[])) await visit(path.join(at, child));
  };
  await visit(dir);
  return newest;
}

function corrupt(what: string, error: unknown): DayshiftError {
  return new DayshiftError(
    'BACKUP_CORRUPT',
    `${what} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    {
      hint: 'restore from another snapshot; this one is damaged',
      cause: error,
    },
  );
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
}
