import type { CheckResult } from '../checks/types.js';
import type { Clock } from '../util/clock.js';
import type { MonitoredCheck } from './configured-checks.js';
import { DueTimer } from './due-timer.js';
import { LagRecorder } from './lag.js';

export interface CheckTimerOptions {
  clock: Clock;
  /** Runs one check; never throws (runCheck returns failures as data). */
  run(check: MonitoredCheck): Promise<CheckResult>;
  /** Receives every result, in the order runs finish, with the token `admit` gave its run. */
  onResult(check: MonitoredCheck, result: CheckResult, token: number | undefined): void;
  /**
   * Asked as each run is about to start: the fencing token the run is made under, or undefined when
   * the node may not run the check now (its lease is not known to be valid), and the run is skipped.
   */
  admit?(check: MonitoredCheck): number | undefined;
  /** Checks running at once; more due checks wait their turn (and their lag shows it). */
  concurrency?: number;
  /** The longest the timer sleeps, so a clock that jumps (tests, suspend) is noticed. */
  maxSleepMs?: number;
}

interface Entry {
  check: MonitoredCheck;
  /** Bumped when the check is replaced or removed, so stale heap entries are dropped. */
  generation: number;
  running: boolean;
  /** Due and waiting for a free slot: a check is never queued twice, however far behind the node is. */
  waiting: boolean;
}

/**
 * Runs the checks this node holds from one in-memory timer: no queued job per run. Each check's first
 * run is spread over its interval by a hash of its id (jitter that is stable across restarts, so
 * 1,000 checks every 10 s start about 100 per second, not 1,000 at once); later runs keep the cadence
 * of due times rather than drifting by each run's duration.
 */
export class CheckTimer {
  readonly #options: CheckTimerOptions;
  readonly #clock: Clock;
  readonly #concurrency: number;
  readonly #entries = new Map<string, Entry>();
  readonly #due: DueTimer<{ id: string; generation: number }>;
  readonly #waiting: Array<{ id: string; generation: number; due: number }> = [];
  /** Runs in flight by check id: a check removed by `set` may still be running. */
  readonly #runningIds = new Map<string, number>();
  readonly lag = new LagRecorder();
  #generation = 0;
  #started = 0;
  #skipped = 0;

  constructor(options: CheckTimerOptions) {
    this.#options = options;
    this.#clock = options.clock;
    // Checks mostly wait on the network; a high limit keeps a few hung targets from starving the rest.
    this.#concurrency = options.concurrency ?? 1_000;
    this.#due = new DueTimer({
      clock: options.clock,
      maxSleepMs: options.maxSleepMs,
      fire: (now) => this.#startDue(now),
    });
  }

  /** Checks run since start. */
  get started(): number {
    return this.#started;
  }

  /** Runs skipped because the previous run of the same check had not finished or started yet. */
  get skipped(): number {
    return this.#skipped;
  }

  get held(): number {
    return this.#entries.size;
  }

  /**
   * Whether anything could still start or finish a run: a wake-up armed or a run in flight. False once
   * `stop()` has resolved, and until `start()`: what "no more checks run" is, without waiting to see.
   */
  get pending(): boolean {
    return this.#due.pending;
  }

  /** Whether a run of the check is in flight, also after `set` removed it. */
  running(id: string): boolean {
    return this.#runningIds.has(id);
  }

  /** Replaces the set of checks this node runs; a check that stays keeps its cadence. */
  set(checks: readonly MonitoredCheck[]): void {
    const now = this.#clock.now();
    const keep = new Set(checks.map((c) => c.id));
    for (const id of this.#entries.keys()) if (!keep.has(id)) this.#entries.delete(id);
    for (const check of checks) {
      const entry = this.#entries.get(check.id);
      if (entry && sameTiming(entry.check, check)) {
        entry.check = check;
        continue;
      }
      const generation = ++this.#generation;
      this.#entries.set(check.id, { check, generation, running: entry?.running ?? false, waiting: false });
      this.#due.queue.push(now + spread(check.id, check.every), { id: check.id, generation });
    }
    this.#due.arm();
  }

  start(): void {
    this.#due.start();
  }

  /** Stops starting runs and waits for the running ones to finish. */
  stop(): Promise<void> {
    return this.#due.stop();
  }

  /**
   * Starts every run that is due by the clock's time now and waits for them: what the timer does,
   * callable directly on a manual clock.
   */
  runDue(): Promise<number> {
    return this.#due.runDue();
  }

  #startDue(now: number): number {
    const queue = this.#due.queue;
    let count = 0;
    for (const { due, item } of queue.takeDue(now)) {
      const entry = this.#entries.get(item.id);
      if (!entry || entry.generation !== item.generation) continue;
      queue.push(nextDue(due, entry.check.every, now), item);
      // Still running or still waiting from its last due time: this run is skipped, not stacked.
      if (entry.running || entry.waiting) {
        this.#skipped++;
        continue;
      }
      entry.waiting = true;
      this.#waiting.push({ ...item, due });
    }
    while (this.#waiting.length > 0 && this.#due.inflight < this.#concurrency) {
      const next = this.#waiting.shift() as { id: string; generation: number; due: number };
      const entry = this.#entries.get(next.id);
      if (!entry || entry.generation !== next.generation) continue;
      entry.waiting = false;
      const token = this.#options.admit ? this.#options.admit(entry.check) : undefined;
      if (this.#options.admit && token === undefined) {
        this.#skipped++;
        continue;
      }
      this.#launch(entry, next.due, token);
      count++;
    }
    return count;
  }

  #launch(entry: Entry, due: number, token: number | undefined): void {
    const id = entry.check.id;
    entry.running = true;
    this.#runningIds.set(id, (this.#runningIds.get(id) ?? 0) + 1);
    this.#started++;
    this.lag.record(this.#clock.now() - due);
    this.#due.track(
      this.#options
        .run(entry.check)
        .then((result) => this.#options.onResult(entry.check, result, token))
        .catch(() => {})
        .finally(() => {
          entry.running = false;
          const left = (this.#runningIds.get(id) ?? 1) - 1;
          if (left > 0) this.#runningIds.set(id, left);
          else this.#runningIds.delete(id);
        }),
      () => {
        // A finished run frees a slot for a check that was waiting for one.
        if (this.#waiting.length > 0 && this.#due.running) this.#startDue(this.#clock.now());
      },
    );
  }
}

function sameTiming(a: MonitoredCheck, b: MonitoredCheck): boolean {
  return a.every === b.every;
}

/** The first due time's offset inside the interval: a hash of the id, so it is stable and spread. */
export function spread(id: string, every: number): number {
  return hash32(id) % Math.max(1, every);
}

/** The next due time after `due`; when a whole interval was missed, it skips ahead instead of piling up. */
function nextDue(due: number, every: number, now: number): number {
  const next = due + every;
  return next > now ? next : now + every - ((now - due) % every);
}

/** FNV-1a with a final mix: fast and well spread for short ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
