import { formatDuration } from '../schema/duration.js';
import type { Report } from './issues.js';
import type { ParsedSections } from './schema.js';
import { checkCommon } from './sections/services.js';
import { mapping, type Path } from './valid-parts.js';

/**
 * Refuses a check whose timeout is longer than its `every`, so runs never overlap. It is judged here,
 * beside the schema, and not in the check's schema: a schema refinement runs only once the whole check
 * parses, so a syntax error in one of its conditions would hide it. `every` and `timeout` are read
 * each as far as it is valid itself; the schema reports the rest.
 */
export function checkTimeouts(
  raw: Record<string, unknown>,
  parsed: Partial<ParsedSections>,
  report: Report,
): void {
  for (const { at, every, timeout } of timingsIn(raw, parsed))
    if (timeout !== undefined && timeout > every)
      report(
        [...at, 'timeout'],
        `expected a timeout no longer than every (${formatDuration(every)}), so runs never overlap`,
      );
}

interface Timing {
  at: Path;
  every: number;
  /** Given in the file; without one, the default is never longer than `every`. */
  timeout?: number;
}

function timingsIn(raw: Record<string, unknown>, parsed: Partial<ParsedSections>): Timing[] {
  const out: Timing[] = [];
  if (parsed.services) {
    for (const [s, service] of Object.entries(parsed.services))
      for (const [c, check] of Object.entries(service.checks))
        out.push({ at: ['services', s, 'checks', c], every: check.every, timeout: check.timeout });
    return out;
  }
  for (const [s, service] of Object.entries(mapping(raw.services)))
    for (const [c, value] of Object.entries(mapping(mapping(service).checks))) {
      const check = mapping(value);
      const every = checkCommon.every.safeParse(check.every);
      const timeout = checkCommon.timeout.safeParse(check.timeout);
      if (every.success && timeout.success)
        out.push({ at: ['services', s, 'checks', c], every: every.data, timeout: timeout.data });
    }
  return out;
}
