import type { Kysely } from 'kysely';
import type { JobQueue } from '../jobs/queue.js';
import type { Database } from '../store/schema.js';

/** The job that fires when one of an incident's deadlines (or an escalation's wait) comes due. */
export const DEADLINE_KIND = 'incident.deadline';

/**
 * What a deadline job carries: the incident, which deadline, and when it was due. `step` is a wait
 * step's continuation of the escalation chain: `{ step, round }` where the chain resumes.
 */
export interface DeadlinePayload {
  incident: number;
  deadline: 'respond' | 'update' | 'resolve' | 'step';
  due: number;
  step?: number;
  round?: number;
}

/**
 * Queues a deadline in a transaction, keyed `incident:<id>:<deadline>:<due>` so it is queued once;
 * a wait step's is keyed by its place in the chain, and a held one by the end of its hold.
 */
export async function queueDeadline(
  queue: Pick<JobQueue, 'enqueue'>,
  trx: Kysely<Database>,
  payload: DeadlinePayload,
  options: { runAt?: number; held?: number } = {},
): Promise<void> {
  const at =
    payload.deadline === 'step' ? `${payload.round}:${payload.step}:${payload.due}` : `${payload.due}`;
  const held = options.held === undefined ? '' : `:held:${options.held}`;
  await queue.enqueue(
    DEADLINE_KIND,
    payload,
    {
      runAt: options.runAt ?? payload.due,
      uniqueKey: `incident:${payload.incident}:${payload.deadline}:${at}${held}`,
    },
    trx,
  );
}
