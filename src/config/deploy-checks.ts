import { driverKinds } from '../drivers/registry.js';
import type { DriverDefinition } from '../drivers/types.js';
import { ownValue } from '../util/own.js';
import type { KnownNames } from './cross-references.js';
import type { Report } from './issues.js';
import { finishStack, type ParsedSections } from './schema.js';
import { deployEntry } from './sections/deploys.js';
import { mapping } from './valid-parts.js';

const drivers: Readonly<Record<string, DriverDefinition>> = driverKinds;

/**
 * Refuses, entry by entry, the deploys that would fail at run time for a reason another section holds:
 * `migrates: true` with no backup gate to bind to the release, a deploy by image whose service's driver
 * does not deploy images, a deploy by ref whose driver cannot restart the service after its steps.
 * An entry the schema refuses is the schema's to report; an unknown service, the name checks'.
 */
export function checkDeploys(
  raw: Record<string, unknown>,
  parsed: Partial<ParsedSections>,
  known: KnownNames,
  report: Report,
): void {
  // The drivers come from `services:` and `runtime:`; until both are valid their errors come first.
  const driven = parsed.services && !('runtime' in raw && !parsed.runtime);
  const services = driven
    ? finishStack({ ...parsed, services: parsed.services } as ParsedSections).services
    : undefined;
  for (const [service, entry] of Object.entries(mapping(raw.deploys))) {
    const result = deployEntry.safeParse(entry, { jitless: true });
    if (!result.success) continue;
    const deploy = result.data;
    const at = ['deploys', service];

    if (deploy.migrates && !deploy.before.some((gate) => gate.kind === 'backup')) {
      const backup = known.backups[0];
      report(
        [...at, 'migrates'],
        '`migrates: true` binds the pre-deploy backup to the release, but `before:` takes none',
        {
          hint: backup
            ? `add a backup gate to \`before:\`: { backup: ${backup} } takes one now, { backup: ${backup}, max_age: 1h } accepts one newer than 1h`
            : 'define the database backup under `backups:`, then add `{ backup: <its name> }` to `before:`',
        },
      );
    }

    const driver = services ? ownValue(services, service)?.driver : undefined;
    if (!driver) continue;
    const definition = drivers[driver.kind] as DriverDefinition;
    if (deploy.repo !== undefined) {
      if (definition.supports(driver.options).includes('restart')) continue;
      const refusal = definition.refusal(service, 'restart', driver.options);
      report(
        [...at, 'repo'],
        `a deploy by ref restarts service \`${service}\` after its steps, and its ${driver.kind} driver cannot restart it`,
        { key: true, hint: refusal.hint },
      );
    } else if (definition.deploysImages?.(driver.options) !== true) {
      const imaging = Object.values(drivers)
        .filter((d) => d.deploysImages)
        .map((d) => d.kind);
      report(
        deploy.image === undefined ? at : [...at, 'image'],
        `service \`${service}\` uses the ${driver.kind} driver, which does not deploy images`,
        {
          key: true,
          hint: `deploy it by ref instead: \`repo:\` (a git work tree) and \`steps:\`; or give it a driver that runs containers (${imaging.join(', ')})`,
        },
      );
    }
  }
}
