import { LatencySketch } from './sketch.js';

/** One rollup row as stored, its sketch still encoded. */
export interface RollupRow {
  check_id: string;
  resolution: string;
  start: number;
  count: number;
  failures: number;
  warnings: number;
  latency_sum: number;
  latency_max: number;
  sketch: string;
}

/** Counts, outcomes and latencies of a set of samples, built from raw samples or merged from rollups. */
export class Accumulator {
  count = 0;
  failures = 0;
  warnings = 0;
  latencySum = 0;
  latencyMax = 0;
  readonly sketch = new LatencySketch();

  addSample(outcome: string, latencyMs: number): void {
    this.count++;
    if (outcome === 'fail') this.failures++;
    else if (outcome === 'warn') this.warnings++;
    const latency = Number.isFinite(latencyMs) ? latencyMs : 0;
    this.latencySum += latency;
    if (latency > this.latencyMax) this.latencyMax = latency;
    this.sketch.add(latency);
  }

  /**
   * Merges a stored rollup. A sketch that does not decode loses only its latency quantiles: counts and
   * outcomes still add up, and one damaged row never stops the rollups after it.
   */
  addRollup(
    row: Pick<RollupRow, 'count' | 'failures' | 'warnings' | 'latency_sum' | 'latency_max' | 'sketch'>,
  ): void {
    this.count += Number(row.count);
    this.failures += Number(row.failures);
    this.warnings += Number(row.warnings);
    this.latencySum += Number(row.latency_sum);
    if (Number(row.latency_max) > this.latencyMax) this.latencyMax = Number(row.latency_max);
    try {
      this.sketch.merge(LatencySketch.decode(row.sketch));
    } catch {
      // Counted above; see the method's comment.
    }
  }

  toRow(checkId: string, resolution: string, start: number): RollupRow {
    return {
      check_id: checkId,
      resolution,
      start,
      count: this.count,
      failures: this.failures,
      warnings: this.warnings,
      latency_sum: this.latencySum,
      latency_max: this.latencyMax,
      sketch: this.sketch.encode(),
    };
  }
}
