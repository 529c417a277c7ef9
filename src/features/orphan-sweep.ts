import type { Logger } from '../log/logger.js';

/**
 * Every `everyMs`, closes the runs whose process on this host died (`settle` gives their ids), and
 * logs what it closed as `closed N <what>(s) whose process died`. The timer never keeps the node up.
 * Returns what stops it.
 */
export function startOrphanSweep(
  everyMs: number,
  settle: () => Promise<number[]>,
  log: Logger,
  what: string,
): () => void {
  const timer = setInterval(() => {
    settle().then(
      (ids) => {
        if (ids.length > 0) log.warn({ runs: ids }, `closed ${ids.length} ${what}(s) whose process died`);
      },
      (error: unknown) => log.error({ err: error }, `could not close the ${what}s of dead processes`),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
