import { referencesOf } from '../rules/parse.js';
import { DEFAULTS } from './defaults.js';
import { metricsOf } from './result-fields.js';
import type { ParsedSections } from './schema.js';

type Path = ReadonlyArray<PropertyKey>;

/** Reports a name that refers to nothing; `candidates` are the names that exist, for the hint. */
export type AddIssue = (
  path: Path,
  message: string,
  candidates: readonly string[],
  options?: { key?: boolean; name?: string },
) => void;

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
  };
}

function mapping(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const plural = (what: string) => (what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`);

/**
 * Checks that names refer to things the file defines: notifiers, repositories, services, checks, smoke
 * suites, backups, runbooks and severities. Runs on the sections that passed the schema; each problem
 * is reported at the node that holds the name.
 */
export function checkReferences(config: Partial<ParsedSections>, known: KnownNames, add: AddIssue): void {
  const refer = (at: Path, value: string, names: readonly string[], what: string) => {
    if (!names.includes(value))
      add(
        at,
        `unknown ${what} \`${value}\`${names.length ? '' : `: the file defines no ${plural(what)}`}`,
        names,
      );
  };
  const notify = (at: Path, list: readonly string[] | undefined) => {
    for (const [i, n] of (list ?? []).entries()) refer([...at, i], n, known.notifiers, 'notifier');
  };
  const severity = (at: Path, value: string | undefined) => {
    if (value !== undefined) refer(at, value, known.severities, 'severity');
  };
  /** `web.health` names a check; `web` alone names all of a service's checks. */
  const checkRef = (at: Path, ref: string) => {
    if (ref.includes('.')) refer(at, ref, known.checks, 'check');
    else refer(at, ref, known.services, 'service');
  };
  const service = (at: Path, name: string) => refer(at, name, known.services, 'service');
  /** A metric the check's samples never record is null forever: the rule could never fire. */
  const metric = (at: Path, ref: string, name: string) => {
    const dot = ref.indexOf('.');
    const check = config.services?.[ref.slice(0, dot)]?.checks[ref.slice(dot + 1)];
    if (!check) return;
    const { names, open } = metricsOf(check.kind, check.options);
    if (!open && !names.includes(name))
      add(
        at,
        `${ref} (${check.kind} check) records no metric \`${name}\`, so this rule could never fire`,
        names,
        {
          name,
        },
      );
  };

  for (const [s, svc] of Object.entries(config.services ?? {}))
    for (const [c, check] of Object.entries(svc.checks)) {
      notify(['services', s, 'checks', c, 'notify'], check.notify);
      severity(['services', s, 'checks', c, 'severity'], check.severity);
    }
  for (const [r, rule] of Object.entries(config.rules ?? {})) {
    notify(['rules', r, 'notify'], rule.notify);
    severity(['rules', r, 'severity'], rule.severity);
    for (const ref of referencesOf(rule.when.expr)) {
      refer(['rules', r, 'when'], ref.check, known.checks, 'check');
      if (ref.metric !== undefined) metric(['rules', r, 'when'], ref.check, ref.metric);
    }
  }
  if (config.alerting) {
    notify(['alerting', 'notify'], config.alerting.notify);
    if (config.alerting.fallback !== undefined)
      refer(['alerting', 'fallback'], config.alerting.fallback, known.notifiers, 'notifier');
  }
  for (const [n, notifier] of Object.entries(config.notifiers ?? {}))
    notifier.severities?.forEach((s, i) => {
      severity(['notifiers', n, 'severities', i], s);
    });
  for (const [s, def] of Object.entries(config.incidents?.severities ?? {}))
    notify(['incidents', 'severities', s, 'notify'], def.notify);
  for (const [b, backup] of Object.entries(config.backups ?? {})) {
    refer(['backups', b, 'repository'], backup.repository, known.repositories, 'repository');
    notify(['backups', b, 'notify'], backup.notify);
    severity(['backups', b, 'severity'], backup.severity);
  }
  config.status_page?.components.forEach((c, i) => {
    service(['status_page', 'components', i], c);
  });

  const windows = new Set<string>();
  config.maintenance?.forEach((w, i) => {
    if (windows.has(w.name))
      add(
        ['maintenance', i, 'name'],
        `duplicate name \`${w.name}\`: maintenance windows need distinct names`,
        [],
      );
    windows.add(w.name);
    w.services?.forEach((s, j) => {
      service(['maintenance', i, 'services', j], s);
    });
  });

  for (const [name, suite] of Object.entries(config.smoke ?? {}))
    suite.forEach((step, i) => {
      if (step.kind === 'check') checkRef(['smoke', name, i, 'check'], step.options);
    });

  for (const [d, deploy] of Object.entries(config.deploys ?? {})) {
    if (!known.services.includes(d))
      add(['deploys', d], `unknown service \`${d}\`: deploys are keyed by service`, known.services, {
        key: true,
        name: d,
      });
    if (deploy.verify.smoke)
      refer(['deploys', d, 'verify', 'smoke'], deploy.verify.smoke, known.smoke, 'smoke suite');
    deploy.verify.checks?.forEach((c, i) => {
      checkRef(['deploys', d, 'verify', 'checks', i], c);
    });
    deploy.before.forEach((gate, i) => {
      const at = ['deploys', d, 'before', i, gate.kind];
      if (gate.kind === 'backup') refer(at, gate.options, known.backups, 'backup');
      if (gate.kind === 'smoke') refer(at, gate.options, known.smoke, 'smoke suite');
      if (gate.kind === 'runbook') refer(at, gate.options, known.runbooks, 'runbook');
      if (gate.kind === 'check') checkRef(at, gate.options);
    });
  }

  for (const [r, runbook] of Object.entries(config.runbooks ?? {}))
    runbook.steps.forEach((step, i) => {
      const at = ['runbooks', r, 'steps', i, step.kind];
      switch (step.kind) {
        case 'check':
          if (typeof step.options === 'string') checkRef(at, step.options);
          else
            step.options.forEach((ref, j) => {
              checkRef([...at, j], ref);
            });
          break;
        case 'restart':
        case 'stop':
        case 'start':
        case 'rollback':
          service(at, step.options);
          break;
        case 'logs':
          if (typeof step.options === 'string') service(at, step.options);
          else service([...at, 'service'], step.options.service);
          break;
        case 'scale':
        case 'deploy':
          service([...at, 'service'], step.options.service);
          break;
        case 'wait':
          if (typeof step.options === 'object') service([...at, 'healthy'], step.options.healthy);
          break;
        case 'backup':
          refer(at, step.options, known.backups, 'backup');
          break;
        case 'restore':
          if (typeof step.options === 'string') refer(at, step.options, known.backups, 'backup');
          else refer([...at, 'backup'], step.options.backup, known.backups, 'backup');
          break;
        case 'smoke':
          refer(at, step.options, known.smoke, 'smoke suite');
          break;
        case 'notify':
          notify([...at, 'to'], step.options.to);
          break;
      }
    });
}
