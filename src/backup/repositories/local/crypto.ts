import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DayshiftError } from '../../../errors.js';

/** scrypt parameters for the repository key: 32 MiB of memory, about 0.1 s on this class of machine. */
export interface KdfParams {
  salt: string;
  N: number;
  r: number;
  p: number;
}

export function newKdfParams(): KdfParams {
  return { salt: randomBytes(16).toString('base64'), N: 2 ** 15, r: 8, p: 1 };
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      Buffer.from(params.salt, 'base64'),
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** Plaintext per sealed chunk: each is authenticated before a byte of it is released. */
const CHUNK = 1024 * 1024;
const IV = 12;
const TAG = 16;

/**
 * AES-256-GCM over a stream in chunks of 1 MiB: `[length u32][iv 12][ciphertext][tag 16]` each, with
 * a fresh random IV. A chunk's index is bound in as associated data, so chunks cannot be reordered,
 * and the last chunk is marked, so a truncated file is detected.
 */
export class SealStream extends Transform {
  readonly #key: Buffer;
  #buffer: Buffer[] = [];
  #buffered = 0;
  #index = 0;

  constructor(key: Buffer) {
    super();
    this.#key = key;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#buffer.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= CHUNK) {
      const all = Buffer.concat(this.#buffer);
      this.push(this.#seal(all.subarray(0, CHUNK), false));
      this.#buffer = [all.subarray(CHUNK)];
      this.#buffered = all.length - CHUNK;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.#seal(Buffer.concat(this.#buffer), true));
    done();
  }

  #seal(plain: Buffer, last: boolean): Buffer {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(associated(this.#index++, last));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length + (last ? 0x8000_0000 : 0));
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
  }
}

function associated(index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index));
  aad.writeUInt8(last ? 1 : 0, 8);
  return aad;
}

/** Reverses SealStream; fails on a wrong key, a changed byte, reordered or missing chunks. */
export class OpenStream extends Transform {
  readonly #key: Buffer;
  readonly #what: string;
  #pending = Buffer.alloc(0);
  #index = 0;
  #sawLast = false;

  constructor(key: Buffer, what: string) {
    super();
    this.#key = key;
    this.#what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    try {
      for (;;) {
        if (this.#pending.length < 4) break;
        const word = this.#pending.readUInt32BE(0);
        const last = (word & 0x8000_0000) !== 0;
        const length = word & 0x7fff_ffff;
        const total = 4 + IV + length + TAG;
        if (this.#pending.length < total) break;
        if (this.#sawLast) throw this.#broken('data after its last chunk');
        const iv = this.#pending.subarray(4, 4 + IV);
        const body = this.#pending.subarray(4 + IV, 4 + IV + length);
        const tag = this.#pending.subarray(4 + IV + length, total);
        const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
        decipher.setAAD(associated(this.#index++, last));
        decipher.setAuthTag(tag);
        try {
          this.push(Buffer.concat([decipher.update(body), decipher.final()]));
        } catch (error) {
          throw this.#broken('a chunk does not authenticate (changed, or another key)', error);
        }
        this.#sawLast = last;
        this.#pending = this.#pending.subarray(total);
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.#sawLast || this.#pending.length > 0) done(this.#broken('it ends before its last chunk'));
    else done();
  }

  #broken(why: string, cause?: unknown): DayshiftError {
    return new DayshiftError('BACKUP_CORRUPT', `${this.#what} cannot be decrypted: ${why}`, {
      hint: 'run dayshift backup verify to find every damaged file; restore from another snapshot',
      cause,
    });
  }
}

/** Seals a short text in one go (the repository's key check). */
export async function sealText(key: Buffer, text: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const seal = new SealStream(key);
  seal.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    seal.on('end', resolve).on('error', reject);
    seal.end(Buffer.from(text));
  });
  return Buffer.concat(chunks);
}

/** Opens what sealText sealed; rejects on a wrong key. */
export async function openText(key: Buffer, sealed: Buffer): Promise<string> {
  const chunks: Buffer[] = [];
  const opener = new OpenStream(key, 'the key check');
  opener.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    opener.on('end', resolve).on('error', reject);
    opener.end(sealed);
  });
  return Buffer.concat(chunks).toString('utf8');
}
