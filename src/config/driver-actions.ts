import { driverKinds } from '../drivers/registry.js';
import type { DriverDefinition, ServiceAction } from '../drivers/types.js';
import { stepKinds } from '../steps/registry.js';
import { ownValue } from '../util/own.js';
import type { Report } from './issues.js';
import { finishStack, type ParsedSections } from './schema.js';
import { kindedPart, runbookSteps } from './valid-parts.js';

/**
 * Reports each runbook step that asks a service's driver for an action it does not support with its
 * settings (a `scale:` step for a service whose shell driver has no scale command, a `restart:` of a
 * service with no driver), where the service is named, with the driver's own refusal as the hint.
 */
export function checkDriverActions(
  raw: Record<string, unknown>,
  parsed: Partial<ParsedSections>,
  report: Report,
): void {
  // The drivers come from `services:` and `runtime:`; until both are valid their errors come first.
  if (!parsed.services || ('runtime' in raw && !parsed.runtime)) return;
  const { services } = finishStack({ ...parsed, services: parsed.services } as ParsedSections);
  for (const { at, step } of runbookSteps(raw)) {
    const part = kindedPart(step, stepKinds);
    for (const use of part?.actions ?? []) {
      // An unknown service is reported by the name checks.
      const driver = ownValue(services, use.service)?.driver;
      if (!driver) continue;
      const definition = driverKinds[driver.kind] as DriverDefinition;
      const action = use.action as ServiceAction;
      if (definition.supports(driver.options).includes(action)) continue;
      const refusal = definition.refusal(use.service, action, driver.options);
      report([...at, part?.kind as string, ...use.at], refusal.message, {
        hint: refusal.hint,
      });
    }
  }
}
