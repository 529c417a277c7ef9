import type { Runs } from '../../src/runs/runs.js';
import { until } from './wait.js';

/** The id of the deploy or rollback of `service` going on now, once one has opened its run. */
export function deployRunOf(runs: Runs, service: string, what: string): Promise<number> {
  return until(async () => (await runs.unfinished('deploy', service))[0]?.id, what);
}

/** Resolves once the run waits for an approval (an `approve` gate, or a restore it offers). */
export async function untilWaiting(runs: Runs, runId: number, what: string): Promise<void> {
  await until(
    async () => ((await runs.state(runId))?.status === 'waiting' ? true : undefined),
    what,
    60_000,
    100,
  );
}
