import http from 'node:http';
import type { Clock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';

/** One run of a check as its target saw it: which node sent it, and when it arrived and ended. */
export interface RecordedRun {
  node: string;
  check: string;
  at: number;
  end: number;
}

/**
 * An HTTP target for checks that records who ran which check: each node's stack file tags its check
 * URLs with the node (`/?node=a&check=c3`), so the runs of nodes in one process, or in several, can be
 * told apart. `hold` keeps each response open that long, so a run has a length; `gate` holds responses
 * until it resolves, to keep a run in flight while a test moves a lease.
 */
export class RunRecorder {
  readonly runs: RecordedRun[] = [];
  readonly #server: http.Server;
  readonly #clock: Clock;
  hold = 0;
  gate: Promise<void> | undefined;

  private constructor(clock: Clock) {
    this.#clock = clock;
    this.#server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const run: RecordedRun = {
        node: url.searchParams.get('node') ?? '?',
        check: url.searchParams.get('check') ?? '?',
        at: this.#clock.now(),
        end: Number.POSITIVE_INFINITY,
      };
      this.runs.push(run);
      // A run ends when its answer is sent or its node goes away (a killed node's socket closes).
      res.once('close', () => {
        run.end = this.#clock.now();
      });
      const answer = () => setTimeout(() => res.end('ok'), this.hold);
      if (this.gate) void this.gate.then(answer);
      else answer();
    });
  }

  static async start(clock: Clock): Promise<RunRecorder> {
    const recorder = new RunRecorder(clock);
    await new Promise<void>((resolve) => recorder.#server.listen(0, '127.0.0.1', resolve));
    return recorder;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The runs of one node, or of one check. */
  of(filter: { node?: string; check?: string }): RecordedRun[] {
    return this.runs.filter(
      (r) =>
        (filter.node === undefined || r.node === filter.node) &&
        (filter.check === undefined || r.check === filter.check),
    );
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * `count` http checks `web.c0..` against the recorder, every `every`, with their URLs tagged by
 * `node`: a literal, or `${NODE_TAG}` for node processes that read it from their environment.
 */
export function taggedStackYaml(port: number, count: number, every: string, node: string): string {
  const checks = Array.from(
    { length: count },
    (_, i) =>
      `      c${i}: { http: { url: "http://127.0.0.1:${port}/?node=${node}&check=web.c${i}" }, every: ${every} }`,
  ).join('\n');
  return `version: 1\nservices:\n  web:\n    checks:\n${checks}\n`;
}

export function taggedStack(port: number, count: number, every: string, node: string) {
  return stackFrom(taggedStackYaml(port, count, every, node));
}

/**
 * Pairs of runs of one check by two nodes that were in flight at the same time: what a fenced hand-over
 * never lets happen.
 */
export function overlappingRuns(runs: readonly RecordedRun[]): Array<[RecordedRun, RecordedRun]> {
  const out: Array<[RecordedRun, RecordedRun]> = [];
  const byCheck = new Map<string, RecordedRun[]>();
  for (const run of runs) byCheck.set(run.check, [...(byCheck.get(run.check) ?? []), run]);
  for (const list of byCheck.values()) {
    const sorted = [...list].sort((a, b) => a.at - b.at);
    for (let i = 0; i < sorted.length; i++)
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i] as RecordedRun;
        const b = sorted[j] as RecordedRun;
        if (b.at >= a.end) break;
        if (a.node !== b.node) out.push([a, b]);
      }
  }
  return out;
}
