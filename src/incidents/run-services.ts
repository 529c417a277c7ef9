import type { StackConfig } from '../config/schema.js';
import { stepKinds } from '../steps/registry.js';
import type { StepKindDefinition } from '../steps/types.js';
import { ownValue } from '../util/own.js';

/**
 * The services each runbook acts on or looks at: those its steps (and `on_failure` steps) name, as each
 * step kind declares in `references` — a service, or the service of a check (`web.health`, or `web` for
 * all of its checks). A runbook whose steps name no service (only `shell:` or `http:`) has none.
 */
export function runbookServices(config: StackConfig): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [name, runbook] of Object.entries(config.runbooks)) {
    const services = new Set<string>();
    for (const step of [...runbook.steps, ...runbook.on_failure]) {
      const kind = ownValue(stepKinds, step.kind) as StepKindDefinition | undefined;
      for (const ref of kind?.references(step.options) ?? []) {
        if (ref.to === 'service') services.add(ref.name);
        // `service.check`, or a bare service for all its checks: either way the part before the dot.
        else if (ref.to === 'check' || ref.to === 'checks') services.add(ref.name.split('.')[0] as string);
      }
    }
    out.set(name, services);
  }
  return out;
}
