import { DEFAULTS } from './defaults.js';
import type { Report } from './issues.js';
import type { NameUse, Target, Uses } from './references-in.js';
import { metricsOf } from './result-fields.js';
import { type CheckPart, list, mapping } from './valid-parts.js';

/** The names the file defines, read from the raw data so a section with an error elsewhere still counts. */
export interface KnownNames {
  services: string[];
  /** `service.check` */
  checks: string[];
  notifiers: string[];
  repositories: string[];
  smoke: string[];
  backups: string[];
  runbooks: string[];
  severities: string[];
  people: string[];
  rotations: string[];
}

export function namesIn(raw: Record<string, unknown>): KnownNames {
  const services = mapping(raw.services);
  const severities = Object.keys(mapping(mapping(raw.incidents).severities));
  return {
    services: Object.keys(services),
    checks: Object.entries(services).flatMap(([s, v]) =>
      Object.keys(mapping(mapping(v).checks)).map((c) => `${s}.${c}`),
    ),
    notifiers: Object.keys(mapping(raw.notifiers)),
    repositories: Object.keys(mapping(raw.repositories)),
    smoke: Object.keys(mapping(raw.smoke)),
    backups: Object.keys(mapping(raw.backups)),
    runbooks: Object.keys(mapping(raw.runbooks)),
    severities: severities.length > 0 ? severities : [...DEFAULTS.severities],
    people: Object.keys(mapping(raw.people)),
    rotations: Object.keys(mapping(raw.oncall)),
  };
}

/** How each target is named in messages, and which of the known names it must be one of. */
const TARGETS: Record<
  Exclude<Target, 'checks' | 'escalation'>,
  { what: string; names: (k: KnownNames) => string[] }
> = {
  service: { what: 'service', names: (k) => k.services },
  check: { what: 'check', names: (k) => k.checks },
  backup: { what: 'backup', names: (k) => k.backups },
  smoke: { what: 'smoke suite', names: (k) => k.smoke },
  notifier: { what: 'notifier', names: (k) => k.notifiers },
  runbook: { what: 'runbook', names: (k) => k.runbooks },
  severity: { what: 'severity', names: (k) => k.severities },
  repository: { what: 'repository', names: (k) => k.repositories },
  person: { what: 'person', names: (k) => k.people },
};

const plural = (what: string) => (what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`);

/**
 * Checks that every name the file uses refers to something it defines, each at the node that holds
 * it; then that rules read metrics their checks record, that deploys are keyed by services, and that
 * maintenance windows have distinct names.
 */
export function checkReferences(
  raw: Record<string, unknown>,
  uses: Uses,
  checks: readonly CheckPart[],
  known: KnownNames,
  report: Report,
): void {
  for (const use of uses.names) checkName(use, known, report);

  // A metric the check's samples never record is null forever: the rule could never fire.
  const byId = new Map(checks.map((c) => [c.id, c]));
  for (const { at, check: ref, metric } of uses.metrics) {
    const check = byId.get(ref);
    if (!check) continue;
    const { names, open } = metricsOf(check.kind, check.options);
    if (!open && !names.includes(metric))
      report(
        at,
        `${ref} (${check.kind} check) records no metric \`${metric}\`, so this rule could never fire`,
        {
          candidates: names,
          name: metric,
        },
      );
  }

  for (const d of Object.keys(mapping(raw.deploys)))
    if (!known.services.includes(d))
      report(['deploys', d], `unknown service \`${d}\`: deploys are keyed by service`, {
        candidates: known.services,
        key: true,
        name: d,
      });

  const windows = new Set<string>();
  list(raw.maintenance).forEach((window, i) => {
    const name = mapping(window).name;
    if (typeof name !== 'string') return;
    if (windows.has(name))
      report(
        ['maintenance', i, 'name'],
        `duplicate name \`${name}\`: maintenance windows need distinct names`,
      );
    windows.add(name);
  });
}

function checkName({ at, to, name }: NameUse, known: KnownNames, report: Report): void {
  // `web.health` names a check; `web` alone names all of a service's checks.
  if (to === 'checks') {
    checkName({ at, to: name.includes('.') ? 'check' : 'service', name }, known, report);
    return;
  }
  if (to === 'escalation') {
    checkEscalation(at, name, known, report);
    return;
  }
  const what = TARGETS[to].what;
  const names = TARGETS[to].names(known);
  if (names.includes(name)) return;
  if (to === 'check' && !name.includes('.') && known.services.includes(name)) {
    // A place that runs one check (a smoke step) was given a whole service.
    const own = known.checks.filter((c) => c.startsWith(`${name}.`));
    report(at, `\`${name}\` is a service: name one of its checks as service.check`, {
      hint: own.length > 0 ? `its checks: ${own.join(', ')}` : `the service ${name} has no checks`,
    });
    return;
  }
  report(at, `unknown ${what} \`${name}\`${names.length ? '' : `: the file defines no ${plural(what)}`}`, {
    candidates: names,
  });
}

/** An escalation target: `oncall:<rotation>`, `person:<p>`, `notifier:<n>`, or a bare person or notifier. */
function checkEscalation(at: NameUse['at'], target: string, known: KnownNames, report: Report): void {
  const [prefix, rest] = target.includes(':') ? target.split(':', 2) : [undefined, target];
  const name = rest ?? target;
  if (prefix === 'oncall') {
    if (!known.rotations.includes(name))
      report(
        at,
        `unknown on-call rotation \`${name}\`${known.rotations.length ? '' : ': the file defines no oncall rotations'}`,
        {
          candidates: known.rotations,
          name,
        },
      );
    return;
  }
  if (prefix === 'person' || prefix === 'notifier') {
    checkName({ at, to: prefix, name }, known, report);
    return;
  }
  if (known.people.includes(name) || known.notifiers.includes(name)) return;
  report(at, `unknown escalation target \`${name}\`: expected a person, a notifier or oncall:<rotation>`, {
    candidates: [...known.people, ...known.notifiers, ...known.rotations.map((r) => `oncall:${r}`)],
    name,
  });
}
