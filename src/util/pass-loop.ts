/** What a PassLoop runs, and what it is told when a pass ends. */
export interface PassLoopOptions<T> {
  /** Time between passes when nothing pokes the loop sooner. */
  tickMs: number;
  pass(): Promise<T>;
  /**
   * A pass ended: `begun` numbers it; `again` says another was asked for while it ran (and follows at
   * once), so what was due when it began may not all be done yet.
   */
  ended(outcome: T, pass: { begun: number; again: boolean }): void;
  /** A pass threw; the next tick or poke runs another. */
  failed(error: unknown): void;
}

/**
 * A pass run on a timer and whenever poked: one at a time, and a poke during a pass asks for one more
 * right after it, however many pokes came. Used by the alert engine and the incidents' timeline links.
 */
export class PassLoop<T> {
  readonly #o: PassLoopOptions<T>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #begun = 0;

  constructor(options: PassLoopOptions<T>) {
    this.#o = options;
  }

  /** Passes begun so far. */
  get begun(): number {
    return this.#begun;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts the timer; the first pass comes at the first tick, or at once with `now`. */
  start(options: { now?: boolean } = {}): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.poke(), this.#o.tickMs);
    this.#timer.unref?.();
    if (options.now) this.poke();
  }

  /** Stops the timer and waits for the pass under way, if any; pokes are ignored from now on. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
  }

  /** Runs a pass now, or right after the one under way. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const begun = ++this.#begun;
    this.#running = this.#o
      .pass()
      .then(
        (outcome) => this.#o.ended(outcome, { begun, again: this.#again }),
        (error: unknown) => this.#o.failed(error),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }
}
