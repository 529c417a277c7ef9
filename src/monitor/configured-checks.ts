import path from 'node:path';
import type { CheckKind } from '../checks/registry.js';
import type { RunnableCheck } from '../checks/run.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { StatePolicy } from './state-machine.js';

/** A check the stack file defines, with everything the check timer and the state machine need. */
export interface MonitoredCheck extends RunnableCheck {
  /** `service.check` */
  id: string;
  service: string;
  name: string;
  every: number;
  policy: StatePolicy;
  severity?: string;
  notify?: readonly string[];
  description?: string;
}

/** Every check of the stack file, in file order. */
export function checksOf(config: StackConfig): MonitoredCheck[] {
  const out: MonitoredCheck[] = [];
  for (const [service, definition] of Object.entries(config.services)) {
    for (const [name, check] of Object.entries(definition.checks)) {
      const monitored: MonitoredCheck = {
        id: `${service}.${name}`,
        service,
        name,
        kind: check.kind as CheckKind,
        options: check.options,
        expect: check.expect,
        timeout: check.timeout,
        every: check.every,
        policy: { retries: check.retries, recover: check.recover, startPeriodMs: check.start_period },
      };
      if (check.severity) monitored.severity = check.severity;
      if (check.notify) monitored.notify = check.notify;
      if (check.description) monitored.description = check.description;
      out.push(monitored);
    }
  }
  return out;
}

/** The directory relative paths in the stack file resolve from. */
export function baseDirOf(configPath: string): string {
  return path.dirname(path.resolve(configPath));
}

/**
 * The checks named by `service` or `service.check` targets; no targets means all of them. An unknown
 * target is an error that lists what exists.
 */
export function selectChecks(all: readonly MonitoredCheck[], targets: readonly string[]): MonitoredCheck[] {
  if (targets.length === 0) return [...all];
  const chosen = new Map<string, MonitoredCheck>();
  for (const target of targets) {
    const matches = all.filter((c) => c.id === target || c.service === target);
    if (matches.length === 0) {
      const known = [...new Set(all.flatMap((c) => [c.service, c.id]))];
      const guess = didYouMean(target, known);
      throw new DayshiftError(
        'CHECK_NOT_FOUND',
        `no service or check named "${target}"${guess ? ` (${guess})` : ''}`,
        {
          hint:
            known.length > 0
              ? `checks in this file: ${all.map((c) => c.id).join(', ')}`
              : 'this file defines no checks',
        },
      );
    }
    for (const check of matches) chosen.set(check.id, check);
  }
  return [...chosen.values()];
}
