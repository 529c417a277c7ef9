import { setFlagsFromString } from 'node:v8';
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
