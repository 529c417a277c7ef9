import { didYouMean } from './issues.js';
import type { StackConfig } from './schema.js';

export type AddIssue = (path: ReadonlyArray<PropertyKey>, message: string, hint?: string) => void;

/**
 * Checks that names refer to things the file defines: notifiers, repositories, services, checks,
 * smoke suites, backups, runbooks and severities. Runs after the schema pass, on valid data.
 */
export function checkReferences(config: StackConfig, add: AddIssue): void {
  const services = config.services ?? {};
  const serviceNames = Object.keys(services);
  const notifierNames = Object.keys(config.notifiers ?? {});
  const smokeNames = Object.keys(config.smoke ?? {});
  const backupNames = Object.keys(config.backups ?? {});
  const runbookNames = Object.keys(config.runbooks ?? {});
  const checkNames = serviceNames.flatMap((s) =>
    Object.keys(services[s]?.checks ?? {}).map((c) => `${s}.${c}`),
  );
  const severityNames = config.incidents?.severities ? Object.keys(config.incidents.severities) : undefined;

  const refer = (path: ReadonlyArray<PropertyKey>, value: string, known: readonly string[], what: string) => {
    if (!known.includes(value))
      add(
        path,
        `unknown ${what} \`${value}\`${known.length ? '' : `: the file defines no ${what}s`}`,
        didYouMean(value, known),
      );
  };
  const notify = (path: ReadonlyArray<PropertyKey>, names: readonly string[] | undefined) => {
    for (const [i, n] of (names ?? []).entries()) refer([...path, i], n, notifierNames, 'notifier');
  };
  const severity = (path: ReadonlyArray<PropertyKey>, value: string | undefined) => {
    if (value && severityNames && !severityNames.includes(value))
      refer(path, value, severityNames, 'severity');
  };
  const checkRef = (path: ReadonlyArray<PropertyKey>, ref: string) => {
    if (ref.includes('.')) refer(path, ref, checkNames, 'check');
    else refer(path, ref, serviceNames, 'service');
  };

  for (const [s, service] of Object.entries(services)) {
    for (const [c, check] of Object.entries(service.checks ?? {})) {
      notify(['services', s, 'checks', c, 'notify'], check.notify);
      severity(['services', s, 'checks', c, 'severity'], check.severity);
    }
  }
  for (const [r, rule] of Object.entries(config.rules ?? {})) {
    notify(['rules', r, 'notify'], rule.notify);
    severity(['rules', r, 'severity'], rule.severity);
    // The full rules language comes with alerting; until then the check references are checked here.
    for (const match of rule.when.matchAll(/\b([A-Za-z][\w-]*)\.([A-Za-z][\w-]*)/g)) {
      const ref = `${match[1]}.${match[2]}`;
      if (!checkNames.includes(ref))
        add(['rules', r, 'when'], `unknown check \`${ref}\` in the rule`, didYouMean(ref, checkNames));
    }
  }
  for (const [sev, def] of Object.entries(config.incidents?.severities ?? {}))
    notify(['incidents', 'severities', sev, 'notify'], def.notify);
  for (const [b, backup] of Object.entries(config.backups ?? {})) {
    refer(
      ['backups', b, 'repository'],
      backup.repository,
      Object.keys(config.repositories ?? {}),
      'repository',
    );
  }
  for (const [i, c] of (config.status_page?.components ?? []).entries()) {
    refer(['status_page', 'components', i], c, serviceNames, 'service');
  }
  const maintenanceNames = new Set<string>();
  (config.maintenance ?? []).forEach((window, i) => {
    if (maintenanceNames.has(window.name))
      add(['maintenance', i, 'name'], `duplicate maintenance window name \`${window.name}\``);
    maintenanceNames.add(window.name);
    if (!window.schedule && !window.at)
      add(['maintenance', i], 'a maintenance window needs `schedule` (cron) or `at` (a date and time)');
    for (const [j, s] of (window.services ?? []).entries())
      refer(['maintenance', i, 'services', j], s, serviceNames, 'service');
  });
  for (const [d, deploy] of Object.entries(config.deploys ?? {})) {
    refer(['deploys', d], d, serviceNames, 'service');
    if (deploy.verify?.smoke)
      refer(['deploys', d, 'verify', 'smoke'], deploy.verify.smoke, smokeNames, 'smoke suite');
    deploy.before?.forEach((gate, i) => {
      if (typeof gate === 'string') return;
      if ('backup' in gate) refer(['deploys', d, 'before', i, 'backup'], gate.backup, backupNames, 'backup');
      if ('smoke' in gate) refer(['deploys', d, 'before', i, 'smoke'], gate.smoke, smokeNames, 'smoke suite');
      if ('runbook' in gate)
        refer(['deploys', d, 'before', i, 'runbook'], gate.runbook, runbookNames, 'runbook');
    });
  }
  for (const [r, runbook] of Object.entries(config.runbooks ?? {})) {
    runbook.steps.forEach((step, i) => {
      const at = ['runbooks', r, 'steps', i, step.kind];
      const o = step.options as Record<string, unknown> | string | string[];
      switch (step.kind) {
        case 'check':
          for (const [j, ref] of (Array.isArray(o) ? o : [o as string]).entries())
            checkRef(Array.isArray(o) ? [...at, j] : at, ref);
          break;
        case 'restart':
        case 'stop':
        case 'start':
          refer(at, o as string, serviceNames, 'service');
          break;
        case 'logs':
          refer(
            typeof o === 'string' ? at : [...at, 'service'],
            typeof o === 'string' ? o : String((o as { service: string }).service),
            serviceNames,
            'service',
          );
          break;
        case 'scale':
        case 'deploy':
          refer([...at, 'service'], String((o as { service: string }).service), serviceNames, 'service');
          break;
        case 'wait':
          if (typeof o === 'object' && o !== null && 'healthy' in o)
            refer([...at, 'healthy'], String(o.healthy), serviceNames, 'service');
          break;
        case 'backup':
          refer(at, o as string, backupNames, 'backup');
          break;
        case 'restore':
          refer(
            typeof o === 'string' ? at : [...at, 'backup'],
            typeof o === 'string' ? o : String((o as { backup: string }).backup),
            backupNames,
            'backup',
          );
          break;
        case 'smoke':
          refer(at, o as string, smokeNames, 'smoke suite');
          break;
        case 'notify':
          notify([...at, 'to'], (o as { to: string[] }).to);
          break;
      }
    });
  }
}
