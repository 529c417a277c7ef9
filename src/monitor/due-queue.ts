/** A min-heap of checks by due time: the check timer's only timer waits for the top one. */
export class DueQueue<T> {
  readonly #heap: Array<{ due: number; item: T }> = [];

  get size(): number {
    return this.#heap.length;
  }

  push(due: number, item: T): void {
    const heap = this.#heap;
    heap.push({ due, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as { due: number }).due <= due) break;
      [heap[i], heap[parent]] = [
        heap[parent] as { due: number; item: T },
        heap[i] as { due: number; item: T },
      ];
      i = parent;
    }
  }

  peekDue(): number | undefined {
    return this.#heap[0]?.due;
  }

  /** Removes and returns the earliest entry. */
  pop(): { due: number; item: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && (heap[left] as { due: number }).due < (heap[smallest] as { due: number }).due)
        smallest = left;
      if (
        right < heap.length &&
        (heap[right] as { due: number }).due < (heap[smallest] as { due: number }).due
      )
        smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [
        heap[smallest] as { due: number; item: T },
        heap[i] as { due: number; item: T },
      ];
      i = smallest;
    }
    return top;
  }

  /**
   * Removes and yields, earliest first, every entry due by `now`. An entry pushed meanwhile is yielded
   * too when it is due by `now` (a check whose next run is already late).
   */
  *takeDue(now: number): Generator<{ due: number; item: T }> {
    for (let top = this.peekDue(); top !== undefined && top <= now; top = this.peekDue())
      yield this.pop() as { due: number; item: T };
  }

  clear(): void {
    this.#heap.length = 0;
  }
}
