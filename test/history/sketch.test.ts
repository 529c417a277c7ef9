import { describe, expect, it } from 'vitest';
import { DayshiftError } from '../../src/errors.js';
import { LatencySketch, SKETCH_ALPHA } from '../../src/history/sketch.js';

/** A small seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies shaped like real ones: mostly log-normal around a base, a few slow outliers, some zeros. */
function latencies(seed: number, n: number): number[] {
  const next = random(seed);
  const base = 1 + next() * 500;
  return Array.from({ length: n }, () => {
    const u = next();
    if (u < 0.02) return 0;
    if (u < 0.05) return base * (10 + next() * 100);
    const gaussian = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
    return base * Math.exp(0.3 * gaussian);
  });
}

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

function sketchOf(values: number[]): LatencySketch {
  const s = new LatencySketch();
  for (const v of values) s.add(v);
  return s;
}

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe('latency sketch', () => {
  it.each(SEEDS)('quantiles are within α of the exact quantile (seed %i)', (seed) => {
    const values = latencies(seed, 1 + ((seed * 37) % 3_000));
    const sketch = sketchOf(values);
    expect(sketch.count).toBe(values.length);
    for (const q of QUANTILES) {
      const exact = exactQuantile(values, q);
      const estimate = sketch.quantile(q) ?? Number.NaN;
      if (exact <= 0.01) expect(estimate).toBe(0);
      else expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(SKETCH_ALPHA * exact + 1e-9);
    }
  });

  it.each(SEEDS)('merge(a, b) is the sketch of a and b together (seed %i)', (seed) => {
    const a = latencies(seed, 200 + seed * 7);
    const b = latencies(seed + 1_000, 50 + seed * 3);
    const merged = sketchOf(a).merge(sketchOf(b));
    const together = sketchOf([...a, ...b]);
    expect(merged.encode()).toBe(together.encode());
    expect(merged.count).toBe(a.length + b.length);
    for (const q of QUANTILES) expect(merged.quantile(q)).toBe(together.quantile(q));
  });

  it.each(SEEDS)('encode and decode round-trip (seed %i)', (seed) => {
    const sketch = sketchOf(latencies(seed, seed * 50));
    const decoded = LatencySketch.decode(sketch.encode());
    expect(decoded.encode()).toBe(sketch.encode());
    expect(decoded.count).toBe(sketch.count);
    for (const q of QUANTILES) expect(decoded.quantile(q)).toBe(sketch.quantile(q));
  });

  it('an empty sketch has no quantiles and encodes to three bytes', () => {
    const empty = new LatencySketch();
    expect(empty.quantile(0.5)).toBeUndefined();
    expect(empty.encode()).toBe('0|');
    expect(LatencySketch.decode('0|').count).toBe(0);
  });

  it('an hour of 60 similar latencies encodes to tens of bytes', () => {
    const next = random(7);
    const sizes = [40, 120, 850].map((base) => {
      const sketch = sketchOf(Array.from({ length: 60 }, () => base * (0.9 + next() * 0.2)));
      return sketch.encode().length;
    });
    for (const size of sizes) {
      expect(size).toBeGreaterThan(5);
      expect(size).toBeLessThanOrEqual(40);
    }
  });

  it('keeps counts too large for one sample at a time', () => {
    const sketch = new LatencySketch().add(12, 86_400).add(0, 5);
    const decoded = LatencySketch.decode(sketch.encode());
    expect(decoded.count).toBe(86_405);
    expect(Math.abs((decoded.quantile(0.5) ?? 0) - 12)).toBeLessThanOrEqual(12 * SKETCH_ALPHA);
  });

  it.each([
    ['no bar', '5', 'expected <zero count>|<buckets>'],
    ['a bad zero count', 'x!|', 'the zero count "x!"'],
    ['a group without offset', '0|12', 'has no offset'],
    ['an empty count', '0|2p:3..4', 'a bucket count ""'],
    ['an uppercase digit', '0|2p:A', 'a bucket count "A"'],
    ['overlapping groups', '0|2p:3,0:4', 'overlap'],
    ['an index out of range', '0|zzzz:1', 'outside'],
    ['JSON', '{"counts":[1,2]}', 'expected <zero count>|<buckets>'],
  ])('rejects garbage: %s', (_name, text, message) => {
    let caught: unknown;
    try {
      LatencySketch.decode(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DayshiftError);
    expect((caught as Error).message).toContain('is not valid');
    expect((caught as Error).message).toContain(message);
  });
});
