import type { Logger } from '../log/logger.js';

/**
 * Every `everyMs`, closes the runs whose process on this host died (`settle` gives their ids), and
 * logs what it closed as `closed N <what>(s) whose process died`; a pass still going skips the next.
 * The timer never keeps the node up.
 * Returns what stops it.
 */
export function startOrphanSweep(
  everyMs: number,
  settle: () => Promise<number[]>,
  log: Logger,
  what: string,
): () => void {
  // One pass at a time: closing a run may take long (a deploy puts the release before it back).
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    settle()
      .then(
        (ids) => {
          if (ids.length > 0) log.warn({ runs: ids }, `closed ${ids.length} ${what}(s) whose process died`);
        },
        (error: unknown) => log.error({ err: error }, `could not close the ${what}s of dead processes`),
      )
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
