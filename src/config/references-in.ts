import { ConditionSyntaxError } from '../conditions/index.js';
import { parseRule, referencesOf } from '../rules/parse.js';
import type { NameTarget } from '../schema/references.js';
import { CHECK_REF_PATTERN, NAME_PATTERN } from '../schema/values.js';
import { stepKinds } from '../steps/registry.js';
import { gateKinds } from './sections/deploy-gates.js';
import { ESCALATION_TARGET } from './sections/incidents.js';
import {
  type KindedPart,
  kindedPart,
  list,
  mapping,
  type Path,
  runbookSteps,
  type SmokeStepPart,
} from './valid-parts.js';

/** What a name written in the file must name: what plugins refer to, and the file's own lists. */
export type Target = NameTarget | 'severity' | 'repository' | 'person' | 'escalation';

/** A name the file uses, where it is written, and what it must name. */
export interface NameUse {
  at: Path;
  to: Target;
  name: string;
}

/** A restore step's `to`, held to the restore rules for its backup's source. */
export interface RestoreTargetUse {
  at: Path;
  to: string;
  backup: string;
}

/** A metric a rule reads from a check's samples (`p95(web.health.latency, 5m)`). */
export interface MetricUse {
  at: Path;
  check: string;
  metric: string;
}

export interface Uses {
  names: NameUse[];
  restoreTargets: RestoreTargetUse[];
  metrics: MetricUse[];
}

/**
 * Every name the file uses for another part of it, read from the raw data value by value, so a section
 * that failed the schema elsewhere is still cross-checked. A value the schema refuses (not a name at
 * all) is the schema's to report, once: it is left out here. Plugins (runbook steps, deploy gates,
 * smoke steps) say themselves what their options name.
 */
export function usesIn(raw: Record<string, unknown>, smokeSteps: readonly SmokeStepPart[]): Uses {
  const uses: Uses = { names: [], restoreTargets: [], metrics: [] };
  const use = (at: Path, to: Target, value: unknown) => {
    if (typeof value === 'string' && (to === 'checks' ? CHECK_REF_PATTERN : NAME_PATTERN).test(value))
      uses.names.push({ at, to, name: value });
  };
  // An escalation names a person, a notifier or `oncall:<rotation>`; cross-references resolves which.
  const escalation = (at: Path, value: unknown) => {
    if (typeof value === 'string' && ESCALATION_TARGET.test(value))
      uses.names.push({ at, to: 'escalation', name: value });
  };
  const each = (at: Path, to: Target, values: unknown) => {
    list(values).forEach((value, i) => {
      use([...at, i], to, value);
    });
  };
  /** What a kinded item's options name; each is written under the item's kind key. */
  const declared = (at: Path, part: KindedPart | undefined) => {
    if (!part) return;
    for (const ref of part.references) {
      const where = [...at, part.kind, ...ref.at];
      if (ref.to === 'restore-target')
        uses.restoreTargets.push({ at: where, to: ref.name, backup: ref.backup });
      else uses.names.push({ at: where, to: ref.to, name: ref.name });
    }
  };

  for (const [s, service] of Object.entries(mapping(raw.services)))
    for (const [c, check] of Object.entries(mapping(mapping(service).checks))) {
      const at = ['services', s, 'checks', c];
      each([...at, 'notify'], 'notifier', mapping(check).notify);
      use([...at, 'severity'], 'severity', mapping(check).severity);
    }
  for (const [r, rule] of Object.entries(mapping(raw.rules))) {
    const at = ['rules', r];
    each([...at, 'notify'], 'notifier', mapping(rule).notify);
    use([...at, 'severity'], 'severity', mapping(rule).severity);
    for (const ref of checksReadBy(mapping(rule).when)) {
      uses.names.push({ at: [...at, 'when'], to: 'check', name: ref.check });
      if (ref.metric !== undefined)
        uses.metrics.push({ at: [...at, 'when'], check: ref.check, metric: ref.metric });
    }
  }
  const alerting = mapping(raw.alerting);
  each(['alerting', 'notify'], 'notifier', alerting.notify);
  use(['alerting', 'fallback'], 'notifier', alerting.fallback);
  for (const [n, notifier] of Object.entries(mapping(raw.notifiers)))
    each(['notifiers', n, 'severities'], 'severity', mapping(notifier).severities);
  const incidents = mapping(raw.incidents);
  each(['incidents', 'notify'], 'notifier', incidents.notify);
  list(incidents.open_on).forEach((match, i) => {
    const severity = mapping(match).severity;
    const at = ['incidents', 'open_on', i, 'severity'];
    if (Array.isArray(severity)) each(at, 'severity', severity);
    else use(at, 'severity', severity);
  });
  for (const [s, severity] of Object.entries(mapping(incidents.severities))) {
    const at = ['incidents', 'severities', s];
    each([...at, 'notify'], 'notifier', mapping(severity).notify);
    list(mapping(severity).escalate).forEach((step, i) => {
      if (typeof step === 'string') escalation([...at, 'escalate', i], step);
      const notify = mapping(step).notify;
      if (typeof notify === 'string') escalation([...at, 'escalate', i, 'notify'], notify);
      else
        list(notify).forEach((t, j) => {
          escalation([...at, 'escalate', i, 'notify', j], t);
        });
    });
  }
  for (const [p, person] of Object.entries(mapping(raw.people)))
    each(['people', p, 'notify'], 'notifier', mapping(person).notify);
  for (const [r, rotation] of Object.entries(mapping(raw.oncall)))
    each(['oncall', r, 'members'], 'person', mapping(rotation).members);
  for (const [b, backup] of Object.entries(mapping(raw.backups))) {
    use(['backups', b, 'repository'], 'repository', mapping(backup).repository);
    each(['backups', b, 'notify'], 'notifier', mapping(backup).notify);
    use(['backups', b, 'severity'], 'severity', mapping(backup).severity);
  }
  each(['status_page', 'components'], 'service', mapping(raw.status_page).components);
  list(raw.maintenance).forEach((window, i) => {
    each(['maintenance', i, 'services'], 'service', mapping(window).services);
  });

  for (const step of smokeSteps) declared(step.at, step);
  for (const [d, deploy] of Object.entries(mapping(raw.deploys))) {
    const verify = mapping(mapping(deploy).verify);
    use(['deploys', d, 'verify', 'smoke'], 'smoke', verify.smoke);
    each(['deploys', d, 'verify', 'checks'], 'checks', verify.checks);
    list(mapping(deploy).before).forEach((gate, i) => {
      declared(['deploys', d, 'before', i], kindedPart(gate, gateKinds));
    });
  }
  for (const { at, step } of runbookSteps(raw)) declared(at, kindedPart(step, stepKinds));
  return uses;
}

/** The checks a rule's `when` reads, when it parses; a bad expression is the schema's to report. */
function checksReadBy(when: unknown): ReadonlyArray<{ check: string; metric?: string }> {
  if (typeof when !== 'string') return [];
  try {
    return referencesOf(parseRule(when).expr);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) return [];
    throw error;
  }
}
