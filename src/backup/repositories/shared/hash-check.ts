import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DayshiftError } from '../../../errors.js';

/**
 * Passes a restored stream through and fails it at the end when what came out differs from what the
 * manifest recorded at backup time (size or SHA-256). `where` names the stored file or snapshot, so a
 * failure says which one is damaged.
 */
export class HashCheck extends Transform {
  readonly #expected: { size: number; sha256: string };
  readonly #what: string;
  readonly #where: string;
  readonly #hash = createHash('sha256');
  #size = 0;

  constructor(expected: { size: number; sha256: string }, what: string, where: string) {
    super();
    this.#expected = expected;
    this.#what = what;
    this.#where = where;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const sha = this.#hash.digest('hex');
    if (this.#size !== this.#expected.size || sha !== this.#expected.sha256)
      done(
        new DayshiftError(
          'BACKUP_CORRUPT',
          `${this.#what} (${this.#where}) does not match its manifest: ${this.#size} bytes with SHA-256 ${sha.slice(0, 12)}…, expected ${this.#expected.size} bytes with ${this.#expected.sha256.slice(0, 12)}…`,
          { hint: 'restore from another snapshot; this one is damaged' },
        ),
      );
    else done();
  }
}

/** Passes a stream through while taking its size and SHA-256: what a manifest records of it. */
export class StreamDigest extends Transform {
  size = 0;
  readonly #hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** The SHA-256 in hex; call once, after the stream has ended. */
  sha256(): string {
    return this.#hash.digest('hex');
  }
}
