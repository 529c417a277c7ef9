import type { StackConfig } from '../config/schema.js';
import { formatDuration } from '../schema/duration.js';
import { ownValue } from '../util/own.js';
import type { DeadlinePayload } from './deadline-queue.js';
import type { IncidentMessage } from './notify-job.js';
import type { EscalationStep } from './policy.js';
import type { EscalationState, Incident, NewIncidentEvent } from './types.js';

/** Who is on call on a rotation at a moment (a key of `people`); undefined when nobody is. */
export type OnCallLookup = (rotation: string, at: number) => Promise<string | undefined>;

/** One target of a notify step as it was reached: the person it named or found on call, and the notifiers used. */
export interface ReachedTarget {
  target: string;
  person?: string;
  notifiers: string[];
}

/** What running an escalation from some state decided; the caller writes it in one transaction. */
export interface EscalationPlan {
  /** Where the chain stands afterwards. */
  state: EscalationState;
  /** One `escalated` event per notify step run. */
  events: NewIncidentEvent[];
  messages: IncidentMessage[];
  /** The deadline a `wait` step queues, to resume the chain after it. */
  resume?: DeadlinePayload;
}

/**
 * Runs an incident's chain from `from`: consecutive notify steps until a `wait` (which queues its
 * resumption) or the end (where `repeat: n` restarts it at step 0 while the round is below n). Pure
 * but for the on-call lookups, so it runs before the transaction that writes what it decided.
 */
export async function planEscalation(input: {
  config: StackConfig;
  incident: Incident;
  chain: readonly EscalationStep[];
  from: EscalationState;
  deadline: DeadlinePayload['deadline'];
  /** Why it escalates, for people: `not acknowledged within 15m`. */
  reason: string;
  now: number;
  onCall: OnCallLookup;
}): Promise<EscalationPlan> {
  const { incident, chain, now } = input;
  let { step, round } = input.from;
  const plan: EscalationPlan = { state: { step, round }, events: [], messages: [] };
  // A chain is at most a few dozen steps and `repeat` at most 10: the bound only guards a bad state.
  for (let guard = 0; step < chain.length && guard < 10_000; guard++) {
    const current = chain[step] as EscalationStep;
    if ('notify' in current) {
      await notifyStep(plan, input, current.notify, { step, round });
      step += 1;
    } else if ('wait' in current) {
      step += 1;
      plan.resume = { incident: incident.id, deadline: 'step', due: now + current.wait, step, round };
      break;
    } else if (round < current.repeat) {
      step = 0;
      round += 1;
    } else {
      step = chain.length;
    }
  }
  plan.state = { step, round };
  return plan;
}

async function notifyStep(
  plan: EscalationPlan,
  input: Parameters<typeof planEscalation>[0],
  targets: readonly string[],
  at: EscalationState,
): Promise<void> {
  const { config, incident, now } = input;
  const reached: ReachedTarget[] = [];
  const names: string[] = [];
  const used = new Set<string>();
  for (const target of targets) {
    const found = await resolveTarget(config, target, now, input.onCall);
    names.push(describe(found));
    // A notifier two targets share (a person also on call) is sent one message per step.
    const notifiers = found.notifiers.filter((n) => !used.has(n));
    for (const n of notifiers) used.add(n);
    reached.push({ ...found, notifiers });
  }
  const who = names.join(', ');
  const text = `${input.reason}: paged ${who}`;
  plan.events.push({
    incidentId: incident.id,
    at: now,
    type: 'escalated',
    actor: 'dayshift',
    text,
    data: { step: at.step, round: at.round, deadline: input.deadline, targets: reached },
    key: `escalated:${at.round}:${at.step}`,
  });
  for (const notifier of used)
    plan.messages.push({
      incident: incident.id,
      notifier,
      event: 'escalated',
      key: `escalate:${incident.id}:${at.round}:${at.step}:${notifier}`,
      title: `Incident #${incident.id} (${incident.severity}) escalated: ${incident.title}`,
      text: `${input.reason}. Acknowledge it with \`dayshift incident ack ${incident.id}\`.`,
    });
}

/**
 * What a target reaches at `at`: `oncall:<rotation>` is whoever is on call then, as a person;
 * `person:<p>` (or a bare name that is a person) every notifier of `people.<p>.notify`;
 * `notifier:<n>` (or a bare notifier name) that notifier. The stack file's references were checked
 * when it loaded, so a name that resolves to nothing is one a reload removed: it reaches nobody.
 */
export async function resolveTarget(
  config: StackConfig,
  target: string,
  at: number,
  onCall: OnCallLookup,
): Promise<ReachedTarget> {
  const colon = target.indexOf(':');
  const prefix = colon < 0 ? undefined : target.slice(0, colon);
  const name = colon < 0 ? target : target.slice(colon + 1);
  const asPerson = (person: string): ReachedTarget => ({
    target,
    person,
    notifiers: [...(ownValue(config.people, person)?.notify ?? [])],
  });
  if (prefix === 'oncall') {
    const person = await onCall(name, at);
    return person === undefined ? { target, notifiers: [] } : asPerson(person);
  }
  if (prefix === 'person') return asPerson(name);
  if (prefix === 'notifier') return { target, notifiers: ownValue(config.notifiers, name) ? [name] : [] };
  if (ownValue(config.people, name)) return asPerson(name);
  return { target, notifiers: ownValue(config.notifiers, name) ? [name] : [] };
}

/** How a reached target reads in the timeline: `vp-eng`, `alice (on call for primary)`, `nobody on call for primary`. */
function describe(reached: ReachedTarget): string {
  const bare = reached.target.replace(/^(person|notifier):/, '');
  if (reached.target.startsWith('oncall:')) {
    const rotation = reached.target.slice('oncall:'.length);
    return reached.person ? `${reached.person} (on call for ${rotation})` : `nobody on call for ${rotation}`;
  }
  return reached.notifiers.length > 0 || reached.person ? bare : `${bare} (unknown)`;
}

/** Why a deadline escalates, in the words the timeline and the message use. */
export function escalationReason(
  payload: DeadlinePayload,
  policy: { respondWithin: number; updateEvery?: number; resolveWithin?: number },
  chain: readonly EscalationStep[],
): string {
  switch (payload.deadline) {
    case 'respond':
      return `not acknowledged within ${formatDuration(policy.respondWithin)}`;
    case 'update':
      return `no update within ${formatDuration(policy.updateEvery ?? 0)}`;
    case 'resolve':
      return `not resolved within ${formatDuration(policy.resolveWithin ?? 0)}`;
    case 'step': {
      const before = chain[(payload.step ?? 0) - 1];
      return before && 'wait' in before
        ? `still not acknowledged after ${formatDuration(before.wait)} more`
        : 'still not acknowledged';
    }
  }
}
