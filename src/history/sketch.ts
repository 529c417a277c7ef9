import { DayshiftError } from '../errors.js';

/** Relative accuracy of every stored sketch: a quantile is within 2 % of the true sample's value. */
export const SKETCH_ALPHA = 0.02;
/** Latencies at or below this (ms) share one bucket: below it, relative accuracy means nothing. */
export const SKETCH_ZERO_MS = 0.01;

/**
 * A mergeable latency sketch in the manner of DDSketch: a latency x > 0.01 ms counts in bucket
 * ceil(log_γ x) with γ = (1+α)/(1−α), so every bucket's midpoint is within α of anything in it, however
 * the samples are spread. Merging adds counts, so minutes merge into hours and hours into days with no
 * loss beyond α, which percentiles over averages could never do.
 */
export class LatencySketch {
  readonly alpha: number;
  readonly #lnGamma: number;
  readonly #minIndex: number;
  readonly #maxIndex: number;
  #zero = 0;
  #count = 0;
  readonly #buckets = new Map<number, number>();

  constructor(alpha = SKETCH_ALPHA) {
    if (!(alpha > 0 && alpha < 1))
      throw new DayshiftError('INTERNAL', `sketch accuracy must be between 0 and 1, got ${alpha}`);
    this.alpha = alpha;
    this.#lnGamma = Math.log((1 + alpha) / (1 - alpha));
    this.#minIndex = Math.ceil(Math.log(SKETCH_ZERO_MS) / this.#lnGamma);
    // e^40 ms is beyond any timeout; a cap keeps a bogus latency from making an unbounded index.
    this.#maxIndex = Math.ceil(40 / this.#lnGamma);
  }

  get count(): number {
    return this.#count;
  }

  /** Counts `latencyMs` (`times` times). Non-finite or negative values count in the zero bucket. */
  add(latencyMs: number, times = 1): this {
    if (times <= 0) return this;
    this.#count += times;
    if (!(latencyMs > SKETCH_ZERO_MS)) {
      this.#zero += times;
      return this;
    }
    const index = Math.min(
      this.#maxIndex,
      Math.max(this.#minIndex, Math.ceil(Math.log(latencyMs) / this.#lnGamma)),
    );
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + times);
    return this;
  }

  /** Adds another sketch's counts into this one. */
  merge(other: LatencySketch): this {
    if (other.alpha !== this.alpha) {
      throw new DayshiftError(
        'INTERNAL',
        `cannot merge sketches of accuracy ${other.alpha} and ${this.alpha}`,
      );
    }
    this.#zero += other.#zero;
    this.#count += other.#count;
    for (const [index, n] of other.#buckets) this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + n);
    return this;
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) as the lower sample of rank q·(n−1), within α of its true value;
   * undefined when the sketch is empty.
   */
  quantile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.floor(Math.min(1, Math.max(0, q)) * (this.#count - 1));
    let seen = this.#zero;
    if (seen > rank) return 0;
    for (const index of this.#sortedIndexes()) {
      seen += this.#buckets.get(index) ?? 0;
      if (seen > rank) return this.#valueOf(index);
    }
    // Unreachable while counts add up; the largest bucket is the honest answer if they do not.
    const last = this.#sortedIndexes().at(-1);
    return last === undefined ? 0 : this.#valueOf(last);
  }

  /**
   * Text for storage: `<zero>|<group>,<group>…` in base 36, where a group is `<offset>:<count>.<count>…`,
   * a run of consecutive buckets. The first offset is the absolute bucket index, later ones the gap from
   * the previous group's last bucket; a single empty bucket inside a run is written as a 0 count, which is
   * shorter than a new group. Sixty similar latencies take 15–25 bytes.
   */
  encode(): string {
    const indexes = this.#sortedIndexes();
    const groups: string[] = [];
    let run: string[] = [];
    let runStart = 0;
    let previous: number | undefined;
    let previousGroupEnd: number | undefined;
    const close = (end: number) => {
      const offset = previousGroupEnd === undefined ? runStart : runStart - previousGroupEnd;
      groups.push(`${offset.toString(36)}:${run.join('.')}`);
      previousGroupEnd = end;
    };
    for (const index of indexes) {
      const n = (this.#buckets.get(index) ?? 0).toString(36);
      if (previous !== undefined && index - previous <= 2) {
        if (index - previous === 2) run.push('0');
        run.push(n);
      } else {
        if (previous !== undefined) close(previous);
        run = [n];
        runStart = index;
      }
      previous = index;
    }
    if (previous !== undefined) close(previous);
    return `${this.#zero.toString(36)}|${groups.join(',')}`;
  }

  /** Reads what `encode` wrote; throws a DayshiftError naming what is wrong with anything else. */
  static decode(text: string, alpha = SKETCH_ALPHA): LatencySketch {
    const sketch = new LatencySketch(alpha);
    const fail = (why: string): never => {
      const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
      throw new DayshiftError('INTERNAL', `the stored latency sketch "${shown}" is not valid: ${why}`, {
        hint: 'the rollup row holding it is damaged; delete it and its period reads as having no latency data',
      });
    };
    if (typeof text !== 'string') fail('it is not text');
    const bar = text.indexOf('|');
    if (bar < 0) fail('expected <zero count>|<buckets>');
    sketch.#zero = parseCount(text.slice(0, bar), 'the zero count', fail);
    sketch.#count = sketch.#zero;
    const body = text.slice(bar + 1);
    if (body === '') return sketch;
    let previousEnd: number | undefined;
    for (const group of body.split(',')) {
      const colon = group.indexOf(':');
      if (colon < 0) fail(`bucket group "${group}" has no offset (expected <offset>:<counts>)`);
      const offsetText = group.slice(0, colon);
      const negative = offsetText.startsWith('-');
      const magnitude = parseCount(negative ? offsetText.slice(1) : offsetText, 'a bucket offset', fail);
      const offset = negative ? -magnitude : magnitude;
      if (previousEnd !== undefined && offset < 1) fail(`bucket groups overlap at offset ${offsetText}`);
      let index = previousEnd === undefined ? offset : previousEnd + offset;
      const counts = group.slice(colon + 1).split('.');
      for (const countText of counts) {
        if (index < sketch.#minIndex || index > sketch.#maxIndex) {
          fail(`bucket index ${index} is outside ${sketch.#minIndex}..${sketch.#maxIndex}`);
        }
        const n = parseCount(countText, 'a bucket count', fail);
        if (n > 0) sketch.#buckets.set(index, n);
        sketch.#count += n;
        index++;
      }
      previousEnd = index - 1;
    }
    if (!Number.isSafeInteger(sketch.#count)) fail('its counts add up past 2^53');
    return sketch;
  }

  #valueOf(index: number): number {
    // The midpoint (in relative terms) of (γ^(i−1), γ^i], within α of both ends.
    return (2 * Math.exp(index * this.#lnGamma)) / (Math.exp(this.#lnGamma) + 1);
  }

  #sortedIndexes(): number[] {
    return [...this.#buckets.keys()].sort((a, b) => a - b);
  }
}

const BASE36 = /^[0-9a-z]{1,11}$/;

function parseCount(text: string, what: string, fail: (why: string) => never): number {
  if (!BASE36.test(text)) fail(`${what} "${text}" is not a base-36 number`);
  const n = Number.parseInt(text, 36);
  if (!Number.isSafeInteger(n)) fail(`${what} "${text}" is too large`);
  return n;
}
