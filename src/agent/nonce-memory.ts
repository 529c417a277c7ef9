/**
 * The nonces of accepted requests, each kept until its timestamp leaves the agent's window: a request
 * sent again inside the window has a nonce seen before, and one sent after it is too old. Only
 * requests whose signature matched are remembered, so only the token's holders can fill it, and it
 * is bounded all the same.
 */
export class NonceMemory {
  readonly #until = new Map<string, number>();
  readonly #max: number;

  constructor(max = 100_000) {
    this.#max = max;
  }

  /** `new` (remembered until `expiresAt`), `seen` (a replay), or `full` of live nonces. */
  remember(nonce: string, expiresAt: number, now: number): 'new' | 'seen' | 'full' {
    this.#forget(now);
    if (this.#until.has(nonce)) return 'seen';
    if (this.#until.size >= this.#max) return 'full';
    this.#until.set(nonce, expiresAt);
    return 'new';
  }

  #forget(now: number): void {
    // Insertion order is close to expiry order (timestamps within the window), so stop at the first live one.
    for (const [nonce, until] of this.#until) {
      if (until >= now) break;
      this.#until.delete(nonce);
    }
  }
}
