/**
 * Scheduling lag (actual start minus due time) over the most recent runs, for `/metrics` and the
 * benchmark. A fixed ring keeps memory flat however long the node runs.
 */
export class LagRecorder {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;
  #max = 0;

  // 65,536 runs is over half a minute at 2,000 checks/s.
  constructor(size = 65_536) {
    this.#ring = new Float64Array(size);
  }

  record(ms: number): void {
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#filled = Math.min(this.#filled + 1, this.#ring.length);
    if (ms > this.#max) this.#max = ms;
  }

  /** The q-quantile (0..1) of the recent lags, in ms; 0 before any run. */
  quantile(q: number): number {
    if (this.#filled === 0) return 0;
    const sorted = Array.from(this.#ring.subarray(0, this.#filled)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  }

  get max(): number {
    return this.#max;
  }

  reset(): void {
    this.#next = 0;
    this.#filled = 0;
    this.#max = 0;
  }
}
