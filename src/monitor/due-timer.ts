import type { Clock } from '../util/clock.js';
import { DueQueue } from './due-queue.js';

/**
 * One timer over a queue of due times, for the monitor's two clocks: the check timer (each check's
 * next run) and the heartbeat deadlines (when each heartbeat turns late). It sleeps until the earliest
 * due time, never longer than `maxSleepMs` so a clock that jumps (tests, suspend) is noticed, then
 * calls `fire(now)`, which pops what is due and starts it; the runs it starts are `track`ed so that
 * `stop()` and `runDue()` can wait for them.
 */
export class DueTimer<T> {
  readonly queue = new DueQueue<T>();
  readonly #clock: Clock;
  readonly #maxSleepMs: number;
  readonly #fire: (now: number) => number;
  readonly #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: { clock: Clock; maxSleepMs?: number; fire: (now: number) => number }) {
    this.#clock = options.clock;
    this.#maxSleepMs = options.maxSleepMs ?? 1_000;
    this.#fire = options.fire;
  }

  /** Between `start()` and `stop()`. */
  get running(): boolean {
    return this.#running;
  }

  /** Runs started and not yet finished. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Whether anything could still start or finish a run: a wake-up armed or a run in flight. False once
   * `stop()` has resolved, and until `start()`: what "no more runs" is, without waiting to see.
   */
  get pending(): boolean {
    return this.#timer !== undefined || this.#inflight.size > 0;
  }

  /** Queues an item for its due time and wakes the timer for it if it is the earliest. */
  push(due: number, item: T): void {
    this.queue.push(due, item);
    this.arm();
  }

  /**
   * Keeps a started run until it settles (it must not reject); `after` runs once it no longer counts
   * as in flight, to start what waited for its slot.
   */
  track(run: Promise<void>, after?: () => void): void {
    const tracked = run.finally(() => {
      this.#inflight.delete(tracked);
      after?.();
    });
    this.#inflight.add(tracked);
  }

  start(): void {
    this.#running = true;
    this.arm();
  }

  /** Stops starting runs and waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#inflight]);
  }

  /** Fires what is due by the clock's time now and waits for every run: the timer's work, on call. */
  async runDue(): Promise<number> {
    const count = this.#fire(this.#clock.now());
    await Promise.all([...this.#inflight]);
    return count;
  }

  /** Sets the wake-up for the earliest due time (after a push, or once what was due has started). */
  arm(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    const next = this.queue.peekDue();
    if (next === undefined) {
      this.#timer = undefined;
      return;
    }
    const wait = Math.min(Math.max(0, next - this.#clock.now()), this.#maxSleepMs);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire(this.#clock.now());
      this.arm();
    }, wait);
    this.#timer.unref?.();
  }
}
