import { Transform, type TransformCallback } from 'node:stream';

/** Where a long transfer stands: bytes so far, the rate, and the total when it is known. */
export interface TransferProgress {
  what: string;
  bytes: number;
  total: number | undefined;
  bytesPerSecond: number;
  done: boolean;
}

/** Counts the bytes passing through and reports at most every `everyMs`, and once at the end. */
export class ProgressMeter extends Transform {
  bytes = 0;
  readonly #what: string;
  readonly #total: number | undefined;
  readonly #report: (p: TransferProgress) => void;
  readonly #everyMs: number;
  readonly #started = Date.now();
  #lastReport = 0;

  constructor(what: string, total: number | undefined, report: (p: TransferProgress) => void, everyMs = 500) {
    super();
    this.#what = what;
    this.#total = total;
    this.#report = report;
    this.#everyMs = everyMs;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const now = Date.now();
    if (now - this.#lastReport >= this.#everyMs) {
      this.#lastReport = now;
      this.#emit(false);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.#emit(true);
    done();
  }

  #emit(done: boolean): void {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    this.#report({
      what: this.#what,
      bytes: this.bytes,
      total: this.#total,
      bytesPerSecond: this.bytes / seconds,
      done,
    });
  }
}

/** "12.3 MiB" */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
