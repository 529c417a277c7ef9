/**
 * The last `limit` bytes written to a stream, and how many came before them. The end is what explains
 * a failure (the error a tool printed last, the summary line restic writes after its progress).
 */
export class OutputTail {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(limit: number) {
    this.#limit = Math.max(0, limit);
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    while (this.#kept > this.#limit) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#kept - this.#limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#kept -= first.length;
        this.#dropped += first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#kept -= excess;
        this.#dropped += excess;
      }
    }
  }

  /** Bytes dropped from the front. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The kept bytes as UTF-8; a character cut by the bound is left out rather than shown broken. */
  text(): string {
    let bytes = Buffer.concat(this.#chunks);
    if (this.#dropped > 0) {
      let start = 0;
      // UTF-8 continuation bytes are 10xxxxxx; a character is at most 4 bytes.
      while (start < bytes.length && start < 3 && ((bytes[start] as number) & 0xc0) === 0x80) start++;
      bytes = bytes.subarray(start);
    }
    return bytes.toString('utf8');
  }
}
