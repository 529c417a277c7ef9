import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Clock } from '../../../util/clock.js';
import { crashPoint } from '../../../util/test-crash.js';
import { StreamDigest } from '../shared/hash-check.js';
import { SealStream } from './crypto.js';
import { fsync, writeAtomically } from './durable-fs.js';
import type { Manifest, ManifestEntry } from './manifest.js';

/**
 * One snapshot being written under its partial name: streams are added one by one, then `commit`
 * renames it into place (or `abort` removes it).
 */
export class SnapshotWriter {
  readonly id: string;
  readonly backup: string;
  readonly #dir: string;
  readonly #partial: string;
  readonly #key: Buffer | undefined;
  readonly #entries: ManifestEntry[] = [];
  readonly #clock: Clock;
  readonly #started: number;

  constructor(o: {
    backup: string;
    id: string;
    dir: string;
    partial: string;
    key: Buffer | undefined;
    clock: Clock;
  }) {
    this.#clock = o.clock;
    this.#started = o.clock.now();
    this.id = o.id;
    this.backup = o.backup;
    this.#dir = o.dir;
    this.#partial = o.partial;
    this.#key = o.key;
  }

  /**
   * Streams one source stream in: hashed as it comes, compressed (unless `compress` is false: the
   * source compressed it already), sealed, written and fsynced.
   */
  async add(name: string, source: Readable, options: { compress?: boolean } = {}): Promise<ManifestEntry> {
    const compress = options.compress ?? true;
    const file = String(this.#entries.length);
    const target = path.join(this.#partial, 'data', file);
    const counter = new StreamDigest();
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [source, counter];
    if (compress) stages.push(createGzip({ level: 6 }));
    if (this.#key) stages.push(new SealStream(this.#key));
    stages.push(createWriteStream(target));
    await pipeline(stages);
    await fsync(target);
    const entry: ManifestEntry = {
      name,
      file,
      size: counter.size,
      stored: (await stat(target)).size,
      sha256: counter.sha256(),
      compression: compress ? 'gzip' : 'none',
    };
    this.#entries.push(entry);
    return entry;
  }

  /**
   * Writes the manifest (with the run taking the snapshot, so a retry after a crash can tell it
   * committed) and renames the snapshot into place; only now does it list.
   */
  async commit(source: Record<string, unknown>, options: { run?: number } = {}): Promise<Manifest> {
    const manifest: Manifest = {
      format: 1,
      id: this.id,
      backup: this.backup,
      createdAt: new Date(this.#started).toISOString(),
      durationMs: this.#clock.now() - this.#started,
      encrypted: this.#key !== undefined,
      entries: this.#entries,
      source,
      ...(options.run !== undefined ? { run: options.run } : {}),
    };
    await writeAtomically(path.join(this.#partial, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await fsync(path.join(this.#partial, 'data'));
    await fsync(this.#partial);
    crashPoint('backup:before-commit');
    await rename(this.#partial, path.join(this.#dir, this.id));
    await fsync(this.#dir);
    crashPoint('backup:after-commit');
    return manifest;
  }

  async abort(): Promise<void> {
    await rm(this.#partial, { recursive: true, force: true });
  }
}
