import { setFlagsFromString } from 'node:v8';

/**
 * A node runs thousands of checks a second; each leaves a little garbage that lives a few milliseconds
 * past the next young-generation collection (a request in flight, a sample waiting for its batch).
 * With V8's default young generation it is promoted and piles up in the old one; a larger young
 * generation lets it die young. Then V8 lets the old generation grow to up to 4× what survived the
 * last full collection before collecting again, which for a node whose live heap is ~50 MB means
 * hundreds of MB of garbage in between; growing by 50 % instead keeps it close to the working set,
 * with V8's incremental, concurrent marking doing the extra collections.
 * Measured at 20,000 HTTP checks every 10 s (bench/checks.ts): RSS 354–545 MB with 32 MB semi-spaces
 * alone, 280–282 MB with the 50 % growth, lag p99 37–39 ms either way. Both must be set before the
 * heap grows, so `serve` calls this first.
 */
export function sizeHeapForChecks(): void {
  setFlagsFromString('--max-semi-space-size=32');
  setFlagsFromString('--heap-growing-percent=50');
}

import { runInNewContext } from 'node:vm';

/**
 * Collects the garbage left by loading the stack file, once, at start-up. Parsing a large file (20,000
 * checks is 1.6 MB of YAML) briefly holds ~200 MB of YAML nodes; V8 sizes the old generation from that
 * peak and then lets garbage grow to it, so a node would sit at 3× its working set. One full
 * collection right after the load sets the limit from what the node really keeps.
 */
export function releaseStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}
