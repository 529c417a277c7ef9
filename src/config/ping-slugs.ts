import { pushCapabilityOf } from '../checks/registry.js';
import type { Report } from './issues.js';
import type { CheckPart } from './valid-parts.js';

/**
 * A `/ping/<ping-key>/<slug>` URL names one check: two heartbeats with one ping key need different
 * slugs, and a ping key may not also be a check's token (the URL forms could not be told apart).
 */
export function checkPingSlugs(checks: readonly CheckPart[], report: Report): void {
  const seen = new Map<string, string>();
  const tokens = new Set<string>();
  const keyed: Array<{ check: CheckPart; pingKey: string }> = [];
  for (const check of checks) {
    const push = pushCapabilityOf(check.kind);
    if (!push) continue;
    const token = push.token(check.options);
    if (token !== undefined) tokens.add(token);
    const url = push.slugUrl(check.options, String(check.at[check.at.length - 1]));
    if (!url) continue;
    keyed.push({ check, pingKey: url.pingKey });
    const key = `${url.pingKey} ${url.slug}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, check.id);
    else
      report([...check.at, check.kind], `the slug "${url.slug}" is already ${first}'s under this ping key`, {
        hint: 'give one of them its own `slug:`',
      });
  }
  for (const { check, pingKey } of keyed)
    if (tokens.has(pingKey))
      report([...check.at, check.kind, 'ping_key'], 'this ping key is also a heartbeat token', {
        hint: 'use a ping key no check uses as its `token:`',
      });
}
