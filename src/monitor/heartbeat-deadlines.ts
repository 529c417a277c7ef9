import { pushCapabilityOf } from '../checks/registry.js';
import type { HeartbeatPings } from '../checks/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import type { MonitoredCheck } from './configured-checks.js';
import { DueTimer } from './due-timer.js';
import { LagRecorder } from './lag.js';

export interface HeartbeatDeadlinesOptions {
  clock: Clock;
  logger: Logger;
  /** Reads a check's pings from the store. */
  pings(checkId: string): Promise<HeartbeatPings | undefined>;
  /** Runs the check now and records its result; resolves with the time the run read the clock. */
  evaluate(check: MonitoredCheck): Promise<number | undefined>;
  /** The longest the timer sleeps, so a clock that jumps (tests, suspend) is noticed. */
  maxSleepMs?: number;
}

/**
 * A deadline per heartbeat check this node runs: the moment its verdict turns late by itself (period
 * + grace after the last success, grace after an open start), taken from the kind's `deadline`. The
 * check is run at that moment rather than at its next interval, so a missed heartbeat is noticed when
 * it is missed; after each run the deadline is read again from the store, where a ping received by any
 * node has moved it.
 */
export class HeartbeatDeadlines {
  readonly #o: HeartbeatDeadlinesOptions;
  readonly #checks = new Map<string, { check: MonitoredCheck; generation: number }>();
  readonly #due: DueTimer<{ id: string; generation: number }>;
  readonly #reading = new Set<Promise<void>>();
  /** How long after its deadline each check was run. */
  readonly lag = new LagRecorder();
  #generation = 0;

  constructor(options: HeartbeatDeadlinesOptions) {
    this.#o = options;
    this.#due = new DueTimer({
      clock: options.clock,
      maxSleepMs: options.maxSleepMs,
      fire: (now) => this.#startDue(now),
    });
  }

  /** Replaces the pushed checks this node runs, and reads each new one's deadline. */
  async set(checks: readonly MonitoredCheck[]): Promise<void> {
    const pushed = checks.filter((c) => pushCapabilityOf(c.kind) !== undefined);
    const keep = new Set(pushed.map((c) => c.id));
    for (const id of this.#checks.keys()) if (!keep.has(id)) this.#checks.delete(id);
    const added = pushed.filter((c) => !this.#checks.has(c.id));
    for (const check of pushed) {
      const entry = this.#checks.get(check.id);
      if (entry) entry.check = check;
      else this.#checks.set(check.id, { check, generation: ++this.#generation });
    }
    const reading = Promise.all(added.map((check) => this.refresh(check.id, Number.NEGATIVE_INFINITY))).then(
      () => {},
    );
    this.#reading.add(reading);
    try {
      await reading;
    } finally {
      this.#reading.delete(reading);
    }
  }

  /** Settles once the deadlines of the checks last set have been read and armed. */
  async whenRead(): Promise<void> {
    await Promise.allSettled([...this.#reading]);
  }

  /**
   * Reads the check's deadline again and arms it, when it lies after `evaluatedAt` (the time of the
   * run that last judged the check): an earlier one was already seen by that run.
   */
  async refresh(checkId: string, evaluatedAt: number): Promise<void> {
    const entry = this.#checks.get(checkId);
    const push = entry && pushCapabilityOf(entry.check.kind);
    if (!entry || !push) return;
    const pings = await this.#o.pings(checkId);
    const deadline = pings ? push.deadline(entry.check.options, pings) : undefined;
    // A refresh replaces whatever was armed before it: stale heap entries are dropped by generation.
    entry.generation = ++this.#generation;
    if (deadline === undefined || deadline <= evaluatedAt) return;
    this.#due.push(deadline, { id: checkId, generation: entry.generation });
  }

  #retry(checkId: string, at: number): void {
    const entry = this.#checks.get(checkId);
    if (!entry) return;
    this.#due.push(at, { id: checkId, generation: entry.generation });
  }

  start(): void {
    this.#due.start();
  }

  stop(): Promise<void> {
    return this.#due.stop();
  }

  /** Runs every check whose deadline has come by the clock's time now, and waits for them. */
  runDue(): Promise<number> {
    return this.#due.runDue();
  }

  #startDue(now: number): number {
    const queue = this.#due.queue;
    let count = 0;
    for (const { due, item } of queue.takeDue(now)) {
      const entry = this.#checks.get(item.id);
      if (!entry || entry.generation !== item.generation) continue;
      count++;
      this.lag.record(now - due);
      this.#due.track(
        this.#o
          .evaluate(entry.check)
          // A run the node may not make now (its lease is being renewed) is tried again in a second.
          .then((at) => (at === undefined ? this.#retry(item.id, now + 1_000) : this.refresh(item.id, at)))
          .catch((error: unknown) => {
            this.#o.logger.warn({ err: error, check: item.id }, 'a heartbeat deadline run failed');
          }),
      );
    }
    return count;
  }
}
