import type { StackConfig } from '../config/schema.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import { formatDuration } from '../schema/duration.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { holding } from './deadline-hold.js';
import { DEADLINE_KIND, type DeadlinePayload, queueDeadline } from './deadline-queue.js';
import { type EscalationPlan, escalationReason, type OnCallLookup, planEscalation } from './escalation.js';
import { queueIncidentMessage } from './notify-job.js';
import { knownPolicy, type SeverityPolicy } from './policy.js';
import { appendEvents, readIncident } from './records.js';
import type { Incident, NewIncidentEvent } from './types.js';

/** What the deadline job needs from its node. */
export interface DeadlineContext {
  store: Pick<Store, 'db' | 'caps'>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  /** The stack file as it is now: a reload's severities and people apply to the next deadline. */
  config(): StackConfig;
  onCall: OnCallLookup;
}

/** What one run of a deadline did, as the job's result. */
export type DeadlineOutcome =
  /** Met, already handled, or moot (resolved; a wait whose chain moved on). */
  | { outcome: 'nothing' }
  /** Passed inside a maintenance window: queued again at its end. */
  | { outcome: 'held'; until: number; window: string }
  /** Missed, but met late before the job ran (a hold, nodes down): recorded, nothing escalated. */
  | { outcome: 'late'; late: number }
  /** Missed (or a wait ended): the escalation ran `steps` notify steps (none when the chain is empty or over). */
  | { outcome: 'escalated'; steps: number; messages: number };

/** Rereads and retries when the incident changed between the decision and its write. */
const ATTEMPTS = 5;

/**
 * The `incident.deadline` job: decides whether a deadline was met, missed, or falls in a maintenance
 * window, and writes the missed event, the escalation's events, its messages and its new state in one
 * transaction, only where the incident's version is still the one the decision read. A job that runs
 * twice (its node died after committing) or on two nodes therefore escalates once.
 */
export function deadlineJobKind(context: DeadlineContext): JobKind<DeadlinePayload> {
  return {
    kind: DEADLINE_KIND,
    // Quick retries: a deadline that fails (the store restarting) is late for as long as it waits.
    retry: { maxAttempts: 20, baseMs: 1_000, maxMs: 60_000, jitter: 0.1 },
    timeoutMs: 60_000,
    handler: ({ job }) => runDeadline(context, job.payload),
  };
}

export async function runDeadline(
  context: DeadlineContext,
  payload: DeadlinePayload,
): Promise<DeadlineOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await decideAndWrite(context, payload);
    } catch (error) {
      if (!(error instanceof Changed) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/**
 * Reads and decides outside the transaction (on-call lookups and the maintenance calendar read the
 * store, which SQLite's one connection could not serve inside it), then writes inside it if the
 * incident's version has not moved.
 */
async function decideAndWrite(context: DeadlineContext, payload: DeadlinePayload): Promise<DeadlineOutcome> {
  const { store, clock } = context;
  const config = context.config();
  const incident = await readIncident(store.db, payload.incident);
  if (!incident) return { outcome: 'nothing' };
  const now = clock.now();
  const policy = knownPolicy(config, incident.severity);
  const verdict = judge(incident, payload, policy);
  if (verdict.kind === 'nothing') return { outcome: 'nothing' };
  if (verdict.kind === 'met') {
    // An update posted after an earlier update deadline was missed meets the next one, which the
    // update itself could not tell: recorded here, once, under the met event's key.
    await appendEvents(store.db, [metEvent(incident, payload, verdict.at)]);
    return { outcome: 'nothing' };
  }

  if (verdict.kind === 'missed') {
    const window = await holding(config, store.db, incident, now);
    if (window) return hold(context, incident, payload, window, now);
  }

  const missed = payload.deadline === 'step' ? undefined : missedEvent(incident, payload, now, verdict);
  const plan: EscalationPlan | undefined =
    verdict.kind === 'missed' && policy
      ? await planEscalation({
          config,
          incident,
          chain: policy.escalate,
          from: incident.escalation,
          deadline: payload.deadline,
          reason: escalationReason(payload, policy, policy.escalate),
          now,
          onCall: context.onCall,
        })
      : undefined;

  return context.store.caps.exclusive(store.db, async (trx) => {
    const current = await readIncident(trx, incident.id);
    if (current?.version !== incident.version) throw new Changed();
    // The missed event's key is the met event's: written once, and never beside a met one. When it
    // is not written, this deadline was met or handled by an earlier run: nothing more to do.
    if (missed && (await appendEvents(trx, [missed])) === 0) return { outcome: 'nothing' };
    if (verdict.kind === 'late') return { outcome: 'late', late: verdict.late };
    if (payload.deadline === 'update' && policy?.updateEvery !== undefined) {
      // On time, the grid of update deadlines goes on; after a hold, the next one counts from now.
      const next = payload.due + policy.updateEvery;
      const due = next > now ? next : now + policy.updateEvery;
      await queueDeadline(context.queue, trx, { incident: incident.id, deadline: 'update', due });
    }
    if (!plan) return { outcome: 'escalated', steps: 0, messages: 0 };
    await appendEvents(trx, plan.events);
    for (const message of plan.messages) await queueIncidentMessage(context.queue, trx, message);
    if (plan.resume) await queueDeadline(context.queue, trx, plan.resume);
    const written = await trx
      .updateTable('incidents')
      .set({ escalation: JSON.stringify(plan.state), version: incident.version + 1 })
      .where('id', '=', incident.id)
      .where('version', '=', incident.version)
      .executeTakeFirst();
    if (Number(written.numUpdatedRows) === 0) throw new Changed();
    return { outcome: 'escalated', steps: plan.events.length, messages: plan.messages.length };
  });
}

type Verdict =
  | { kind: 'nothing' }
  | { kind: 'met'; at: number }
  | { kind: 'missed'; late: number }
  | { kind: 'late'; late: number };

/**
 * Whether the deadline was missed, as of the incident read. A deadline met in time has its met event
 * already; one met after it passed (the job ran late) is recorded as missed, without escalating.
 */
function judge(incident: Incident, payload: DeadlinePayload, policy: SeverityPolicy | undefined): Verdict {
  const { due } = payload;
  const lateBy = (at: number): Verdict =>
    at <= due ? { kind: 'nothing' } : { kind: 'late', late: at - due };
  switch (payload.deadline) {
    case 'respond':
      if (incident.resolvedAt !== null) return { kind: 'nothing' };
      if (incident.acknowledgedAt !== null) return lateBy(incident.acknowledgedAt);
      return { kind: 'missed', late: 0 };
    case 'update':
      if (incident.resolvedAt !== null) return { kind: 'nothing' };
      if (policy?.updateEvery === undefined) return { kind: 'nothing' };
      if (incident.lastUpdateAt > due) return lateBy(incident.lastUpdateAt);
      if (incident.lastUpdateAt + policy.updateEvery > due) return { kind: 'met', at: incident.lastUpdateAt };
      return { kind: 'missed', late: 0 };
    case 'resolve':
      if (incident.resolvedAt !== null) return lateBy(incident.resolvedAt);
      return { kind: 'missed', late: 0 };
    case 'step': {
      const { escalation } = incident;
      const still = incident.acknowledgedAt === null && incident.resolvedAt === null;
      const same = escalation.step === payload.step && escalation.round === payload.round;
      return still && same ? { kind: 'missed', late: 0 } : { kind: 'nothing' };
    }
  }
}

function missedEvent(
  incident: Incident,
  payload: DeadlinePayload,
  now: number,
  verdict: Extract<Verdict, { late: number }>,
): NewIncidentEvent {
  const late = verdict.kind === 'late' ? verdict.late : now - payload.due;
  const how = verdict.kind === 'late' ? ', met late' : '';
  return {
    incidentId: incident.id,
    at: now,
    type: 'deadline.missed',
    actor: 'dayshift',
    text: `${payload.deadline} deadline missed by ${formatDuration(late)}${how}`,
    data: { deadline: payload.deadline, due: payload.due, late },
    key: `deadline:${payload.deadline}:${payload.due}`,
  };
}

function metEvent(incident: Incident, payload: DeadlinePayload, at: number): NewIncidentEvent {
  return {
    incidentId: incident.id,
    at,
    type: 'deadline.met',
    actor: 'dayshift',
    text: `${payload.deadline} deadline met`,
    data: { deadline: payload.deadline, due: payload.due },
    key: `deadline:${payload.deadline}:${payload.due}`,
  };
}

async function hold(
  context: DeadlineContext,
  incident: Incident,
  payload: DeadlinePayload,
  window: { name: string; until: number },
  now: number,
): Promise<DeadlineOutcome> {
  await context.store.caps.exclusive(context.store.db, async (trx) => {
    await appendEvents(trx, [
      {
        incidentId: incident.id,
        at: now,
        type: 'escalation.held',
        actor: 'dayshift',
        text: `${payload.deadline} deadline passed during maintenance (${window.name}); held until it ends`,
        data: { deadline: payload.deadline, due: payload.due, window: window.name, until: window.until },
        key: `held:${payload.deadline}:${payload.due}:${window.until}`,
      },
    ]);
    // The running job holds the deadline's own unique key until it completes: the held one needs its own.
    await queueDeadline(context.queue, trx, { ...payload }, { runAt: window.until, held: window.until });
  });
  return { outcome: 'held', until: window.until, window: window.name };
}

/** The incident changed between the decision and its write: decide again. */
class Changed extends Error {}
