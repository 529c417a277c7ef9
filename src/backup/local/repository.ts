import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { DayshiftError } from '../../errors.js';
import { deriveKey, type KdfParams, newKdfParams, OpenStream, SealStream } from './crypto.js';

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

export interface ManifestEntry {
  name: string;
  /** The stored file under data/. */
  file: string;
  /** Bytes of the stream as the source produced it. */
  size: number;
  /** Bytes on disk, compressed and sealed. */
  stored: number;
  /** SHA-256 of the stream as the source produced it. */
  sha256: string;
}

export interface Manifest {
  format: 1;
  id: string;
  backup: string;
  createdAt: string;
  durationMs: number;
  encrypted: boolean;
  entries: ManifestEntry[];
  /** What the source records: its kind, tool versions, row counts... */
  source: Record<string, unknown>;
}

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

  constructor(root: string, options: { passphrase?: string } = {}) {
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
    const id = `${new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const dir = path.join(this.root, backup);
    const partial = path.join(dir, `.partial-${id}`);
    await mkdir(path.join(partial, 'data'), { recursive: true });
    return new SnapshotWriter({ backup, id, dir, partial, key });
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
    return readManifest(dir).catch(() => {
      throw new DayshiftError('NOT_FOUND', `no snapshot ${id} of ${backup} in ${this.root}`, {
        hint: `dayshift backup list ${backup} shows them`,
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
    const check = new HashCheck(entry, what);
    stages.push(createGunzip(), check);
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

  /** Removes what crashed writes left behind. */
  async cleanPartials(backup: string): Promise<number> {
    const dir = path.join(this.root, backup);
    const names = await readdir(dir).catch(() => [] as string[]);
    const partials = names.filter((n) => n.startsWith('.partial-'));
    for (const name of partials) await rm(path.join(dir, name), { recursive: true, force: true });
    return partials.length;
  }
}

export class SnapshotWriter {
  readonly id: string;
  readonly backup: string;
  readonly #dir: string;
  readonly #partial: string;
  readonly #key: Buffer | undefined;
  readonly #entries: ManifestEntry[] = [];
  readonly #started = Date.now();

  constructor(o: { backup: string; id: string; dir: string; partial: string; key: Buffer | undefined }) {
    this.id = o.id;
    this.backup = o.backup;
    this.#dir = o.dir;
    this.#partial = o.partial;
    this.#key = o.key;
  }

  /** Streams one source stream in: hashed as it comes, compressed, sealed, written and fsynced. */
  async add(name: string, source: Readable): Promise<ManifestEntry> {
    const file = String(this.#entries.length);
    const target = path.join(this.#partial, 'data', file);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [
      source,
      counter,
      createGzip({ level: 6 }),
    ];
    if (this.#key) stages.push(new SealStream(this.#key));
    stages.push(createWriteStream(target));
    await pipeline(stages);
    await fsync(target);
    const entry: ManifestEntry = {
      name,
      file,
      size,
      stored: (await stat(target)).size,
      sha256: hash.digest('hex'),
    };
    this.#entries.push(entry);
    return entry;
  }

  /** Writes the manifest and renames the snapshot into place; only now does it list. */
  async commit(source: Record<string, unknown>): Promise<Manifest> {
    const manifest: Manifest = {
      format: 1,
      id: this.id,
      backup: this.backup,
      createdAt: new Date(this.#started).toISOString(),
      durationMs: Date.now() - this.#started,
      encrypted: this.#key !== undefined,
      entries: this.#entries,
      source,
    };
    await writeAtomically(path.join(this.#partial, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await fsync(path.join(this.#partial, 'data'));
    await fsync(this.#partial);
    await rename(this.#partial, path.join(this.#dir, this.id));
    await fsync(this.#dir);
    return manifest;
  }

  async abort(): Promise<void> {
    await rm(this.#partial, { recursive: true, force: true });
  }
}

/** Fails the stream when what came out differs from what went in (size or SHA-256). */
class HashCheck extends Transform {
  readonly #entry: ManifestEntry;
  readonly #what: string;
  readonly #hash = createHash('sha256');
  #size = 0;

  constructor(entry: ManifestEntry, what: string) {
    super();
    this.#entry = entry;
    this.#what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const sha = this.#hash.digest('hex');
    if (this.#size !== this.#entry.size || sha !== this.#entry.sha256)
      done(
        new DayshiftError(
          'BACKUP_CORRUPT',
          `${this.#what} (data/${this.#entry.file}) does not match its manifest: ${this.#size} bytes with SHA-256 ${sha.slice(0, 12)}…, expected ${this.#entry.size} bytes with ${this.#entry.sha256.slice(0, 12)}…`,
          { hint: 'restore from another snapshot; this one is damaged' },
        ),
      );
    else done();
  }
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

async function fsync(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text);
  await fsync(temp);
  await rename(temp, file);
  await fsync(path.dirname(file));
}

async function sealText(key: Buffer, text: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const seal = new SealStream(key);
  seal.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    seal.on('end', resolve).on('error', reject);
    seal.end(Buffer.from(text));
  });
  return Buffer.concat(chunks);
}

async function openText(key: Buffer, sealed: Buffer): Promise<string> {
  const chunks: Buffer[] = [];
  const opener = new OpenStream(key, 'the key check');
  opener.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    opener.on('end', resolve).on('error', reject);
    opener.end(sealed);
  });
  return Buffer.concat(chunks).toString('utf8');
}
