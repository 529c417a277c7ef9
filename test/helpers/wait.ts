/**
 * The one way tests wait for a state: poll a probe until it gives a value, with a deadline. A test
 * never sleeps for a guessed time; what it cannot poll for (that nothing more happens) it awaits as an
 * event with a deadline (`within`), such as the alert engine's and the outbox's `whenIdle()`.
 */

/**
 * Polls `probe` until it returns something other than undefined, and returns that; fails after
 * `timeoutMs` saying what it waited for. `what` may be a function, called only on failure, to say what
 * the last probe saw. `everyMs` spaces the probes (raise it for a probe that costs, such as a Docker
 * API call).
 */
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string | (() => string),
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      const said = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Awaits an event's promise (an engine's `whenIdle()`, a process's exit) with a deadline: fails after
 * `timeoutMs` saying what it waited for, instead of hanging until the test's own timeout.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
