import { driverKinds } from '../drivers/registry.js';
import type { DriverDefinition } from '../drivers/types.js';
import { stepKinds } from '../steps/registry.js';
import { ownValue } from '../util/own.js';
import type { KnownNames } from './cross-references.js';
import type { Report } from './issues.js';
import { finishStack, type ParsedSections } from './schema.js';
import { type DeployDefinition, deployEntry } from './sections/deploys.js';
import { kindedPart, mapping, runbookSteps } from './valid-parts.js';

const drivers: Readonly<Record<string, DriverDefinition>> = driverKinds;

/**
 * Refuses, entry by entry, the deploys that would fail at run time for a reason another section holds:
 * `migrates: true` with no backup gate to bind to the release, a deploy by image whose service's driver
 * does not deploy images, a deploy by ref whose driver cannot restart the service after its steps;
 * then each runbook `deploy:` step that asks for the other kind of deploy than its service's entry
 * declares. An entry the schema refuses is the schema's to report; an unknown service, the name checks'.
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
  const entries = new Map<string, DeployDefinition>();
  const imaging = Object.values(drivers)
    .filter((d) => d.deploysImages)
    .map((d) => d.kind);
  for (const [service, entry] of Object.entries(mapping(raw.deploys))) {
    const result = deployEntry.safeParse(entry, { jitless: true });
    if (!result.success) continue;
    const deploy = result.data;
    entries.set(service, deploy);
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

  // A runbook's `deploy:` step by ref needs its service's work tree; by image, a driver that runs
  // containers (told once, at the entry, when the service has one).
  for (const { at, step } of runbookSteps(raw)) {
    const part = kindedPart(step, stepKinds);
    if (part?.kind !== 'deploy') continue;
    const options = part.options as { service: string; ref?: string; image?: string };
    const where = [...at, 'deploy'];
    const deploy = entries.get(options.service);
    // An entry the schema refuses says nothing yet of how the service deploys.
    if (Object.hasOwn(mapping(raw.deploys), options.service) && !deploy) continue;
    if (options.ref !== undefined && deploy?.repo === undefined)
      report(
        [...where, 'ref'],
        `service \`${options.service}\` is not deployed by ref: ${deploy ? 'its `deploys:` entry has no `repo:`' : 'it has no `deploys:` entry'}`,
        {
          key: true,
          hint: `give deploys.${options.service} \`repo:\` (its git work tree) and \`steps:\`, or deploy an image: { service: ${options.service}, image: <reference> }`,
        },
      );
    if (options.image !== undefined && deploy?.repo !== undefined)
      report(
        [...where, 'image'],
        `service \`${options.service}\` is deployed by ref (\`repo: ${deploy.repo}\`), not by image`,
        {
          key: true,
          hint: `deploy a git ref: { service: ${options.service}, ref: <tag, branch or commit> }`,
        },
      );
    if (options.image !== undefined && !deploy) {
      const driver = services ? ownValue(services, options.service)?.driver : undefined;
      if (driver && drivers[driver.kind]?.deploysImages?.(driver.options) !== true)
        report(
          [...where, 'image'],
          `service \`${options.service}\` uses the ${driver.kind} driver, which does not deploy images`,
          {
            key: true,
            hint: `deploy it by ref: give deploys.${options.service} \`repo:\` and \`steps:\`; or give it a driver that runs containers (${imaging.join(', ')})`,
          },
        );
    }
  }
}
