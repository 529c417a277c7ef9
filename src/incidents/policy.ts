import { severitiesOf } from '../alerts/routing.js';
import { DEFAULTS } from '../config/defaults.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { parseDuration } from '../schema/duration.js';
import { ownValue } from '../util/own.js';

/** One step of an escalation chain, as the stack file's shorthand normalises to. */
export type EscalationStep = { notify: string[] } | { wait: number } | { repeat: number };

/** What a severity asks of an incident: its deadlines, its escalation chain and where updates go. */
export interface SeverityPolicy {
  severity: string;
  respondWithin: number;
  updateEvery?: number;
  resolveWithin?: number;
  escalate: EscalationStep[];
  /** The notifiers every posted update of an incident of this severity goes to. */
  notify: string[];
}

/**
 * The policy of a severity: the file's own, or runbook 002's response times when the file defines no
 * severities (then nothing escalates and updates go to `incidents.notify` only).
 */
export function severityPolicy(config: StackConfig, severity: string): SeverityPolicy {
  const own = ownValue(config.incidents?.severities ?? {}, severity);
  const shared = config.incidents?.notify ?? [];
  if (own)
    return {
      severity,
      respondWithin: own.respond_within,
      updateEvery: own.update_every,
      resolveWithin: own.resolve_within,
      escalate: (own.escalate ?? []).map(normalise),
      notify: [...new Set([...shared, ...(own.notify ?? [])])],
    };
  const fallback = ownValue(DEFAULTS.respondWithin as Record<string, string>, severity);
  if (!fallback || Object.keys(config.incidents?.severities ?? {}).length > 0)
    throw new DayshiftError('BAD_REQUEST', `unknown severity "${severity}"`, {
      hint: `use one of ${severitiesOf(config).join(', ')}`,
    });
  return { severity, respondWithin: parseDuration(fallback) ?? 0, escalate: [], notify: [...shared] };
}

/**
 * The policy of a severity, or undefined for one the file no longer has (a reload removed it): its
 * deadlines still record met or missed, with nothing to escalate.
 */
export function knownPolicy(config: StackConfig, severity: string): SeverityPolicy | undefined {
  try {
    return severityPolicy(config, severity);
  } catch {
    return undefined;
  }
}

type FileStep = NonNullable<
  NonNullable<NonNullable<StackConfig['incidents']>['severities']>[string]['escalate']
>[number];

function normalise(step: FileStep): EscalationStep {
  if (typeof step === 'string') return { notify: [step] };
  if ('notify' in step) return { notify: typeof step.notify === 'string' ? [step.notify] : [...step.notify] };
  return step;
}
