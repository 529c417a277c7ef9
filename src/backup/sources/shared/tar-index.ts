import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** One regular file in an archive: its path and the SHA-256 and size of its content. */
export interface ArchivedFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Passes a POSIX (pax/ustar) tar stream through unchanged while listing its regular files with a
 * SHA-256 of each, so the manifest records exactly what the archive holds: a drill compares the
 * restored tree against it.
 */
export class TarIndex extends Transform {
  readonly files: ArchivedFile[] = [];
  entries = 0;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of the current entry's content still to come, then padding to 512. */
  #content = 0;
  #padding = 0;
  #current: { path: string; size: number; hash: Hash } | undefined;
  #paxPath: string | undefined;
  #pax: Buffer[] | undefined;
  #ended = false;

  /** True once the end-of-archive block has passed: an archive cut short never gets here. */
  get complete(): boolean {
    return this.#ended;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.push(chunk);
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    try {
      this.#consume();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  #consume(): void {
    for (;;) {
      if (this.#content > 0) {
        const take = Math.min(this.#content, this.#buffer.length);
        if (take === 0) return;
        const part = this.#buffer.subarray(0, take);
        this.#current?.hash.update(part);
        this.#pax?.push(part);
        this.#content -= take;
        this.#buffer = this.#buffer.subarray(take);
        if (this.#content === 0) this.#finishEntry();
        continue;
      }
      if (this.#padding > 0) {
        const take = Math.min(this.#padding, this.#buffer.length);
        if (take === 0) return;
        this.#padding -= take;
        this.#buffer = this.#buffer.subarray(take);
        continue;
      }
      if (this.#ended || this.#buffer.length < 512) return;
      const header = this.#buffer.subarray(0, 512);
      this.#buffer = this.#buffer.subarray(512);
      if (header.every((b) => b === 0)) {
        this.#ended = true;
        return;
      }
      this.#startEntry(header);
    }
  }

  #startEntry(header: Buffer): void {
    const text = (from: number, length: number) =>
      header
        .subarray(from, from + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = text(345, 155);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    this.#padding = (512 - (size % 512)) % 512;
    this.#content = size;
    if (type === 'x') {
      this.#pax = [];
    } else if (type === 'g') {
      this.#pax = undefined;
    } else {
      this.entries++;
      const path = this.#paxPath ?? name;
      this.#paxPath = undefined;
      if (type === '0' || type === '\0') this.#current = { path, size, hash: createHash('sha256') };
    }
    if (size === 0) this.#finishEntry();
  }

  #finishEntry(): void {
    if (this.#pax) {
      const records = Buffer.concat(this.#pax).toString('utf8');
      for (const line of records.split('\n')) {
        const match = /^\d+ path=(.*)$/s.exec(line);
        if (match) this.#paxPath = match[1];
      }
      this.#pax = undefined;
      return;
    }
    if (this.#current) {
      this.files.push({
        path: this.#current.path,
        size: this.#current.size,
        sha256: this.#current.hash.digest('hex'),
      });
      this.#current = undefined;
    }
  }
}
