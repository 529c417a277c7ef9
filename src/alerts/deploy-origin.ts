import type { StackConfig } from '../config/schema.js';
import type { Release } from '../deploys/release.js';
import type { Releases } from '../deploys/releases.js';
import { openFor } from './recovery.js';
import { routeTo, severityOr } from './routing.js';
import type { AlertOrigin, AlertRecord, DesiredAlert } from './types.js';

/** How often the newest release is looked up between evaluations (ms). */
const PROBE_MS = 1_000;

/**
 * Alerts from deploys: the newest deploy of a service that changed it failed (its verification, not a
 * gate that stopped it before anything changed) or was interrupted. The alert names the digest or commit that failed, what
 * failed, and where the service was left (rolled back, or still on the failed release). It resolves
 * when a newer deploy of the service is verified.
 */
export class DeployAlertOrigin implements AlertOrigin {
  readonly prefix = 'deploy:';
  readonly #releases: Releases;
  readonly #services: string[];
  readonly #severity: string;
  readonly #notify: string[];
  readonly #repeatMs: number;
  readonly #everyMs: number;
  #evaluatedAt = Number.NEGATIVE_INFINITY;
  #probedAt = Number.NEGATIVE_INFINITY;
  #newest: string | null = null;
  #answers: DesiredAlert[] = [];
  #cleared = new Map<string, string>();

  constructor(config: StackConfig, releases: Releases) {
    this.#releases = releases;
    this.#services = Object.keys(config.services);
    this.#severity = severityOr(config, 'high', 'most');
    this.#notify = routeTo(config, undefined, this.#severity);
    this.#repeatMs = config.alerting.repeat;
    this.#everyMs = config.alerting.evaluate_every;
  }

  async desired(now: number): Promise<DesiredAlert[]> {
    let changed = false;
    if (now - this.#probedAt >= PROBE_MS) {
      this.#probedAt = now;
      const newest = await this.#releases.newestChange();
      changed = newest !== this.#newest;
      this.#newest = newest;
    }
    if (!changed && now - this.#evaluatedAt < this.#everyMs) return this.#answers;
    this.#evaluatedAt = now;
    const out: DesiredAlert[] = [];
    for (const service of this.#services) {
      const recent = await this.#releases.list(service, { limit: 50 });
      // While a release of the service is still going (the automatic rollback), the alert waits: it
      // fires once, saying where the deploy left the service.
      if (recent.some((r) => r.state === 'deploying')) {
        out.push(...this.#answers.filter((a) => a.service === service));
        continue;
      }
      const deploys = recent.filter((r) => r.action === 'deploy');
      const newest = deploys.find((r) => r.state !== 'deploying');
      if (!newest) continue;
      const key = `deploy:${service}:failed`;
      if (newest.state === 'verified') {
        this.#cleared.set(
          key,
          `the deploy of ${service} at ${newest.target} is verified (release ${newest.id})`,
        );
        continue;
      }
      // A deploy a gate stopped changed nothing: its run failed, and the service is as it was.
      if ((newest.state !== 'failed' && newest.state !== 'interrupted') || newest.appliedAt === null)
        continue;
      out.push({
        key,
        origin: 'deploy',
        name: `${service} deploy failed`,
        severity: this.#severity,
        service,
        summary: await this.#summaryOf(newest),
        value: newest.target,
        labels: { service, severity: this.#severity, origin: 'deploy', release: String(newest.id) },
        notify: this.#notify,
        forMs: 0,
        repeatMs: this.#repeatMs,
        since: newest.finishedAt ?? newest.createdAt,
      });
    }
    this.#answers = out;
    return out;
  }

  async recovery(alert: AlertRecord, now: number): Promise<string | undefined> {
    const line = this.#cleared.get(alert.key);
    return line ? `${line}; the alert was open ${openFor(alert, now)}` : undefined;
  }

  async #summaryOf(release: Release): Promise<string> {
    const detail = (release.detail ?? {}) as { failure?: string; interrupted?: string; restored?: string };
    const why = detail.failure ?? (detail.interrupted ? `interrupted: ${detail.interrupted}` : 'see its run');
    const after = (await this.#releases.list(release.service, { limit: 5 })).find(
      (r) => r.id > release.id && r.action === 'rollback',
    );
    const left = after
      ? after.state === 'verified'
        ? `; rolled back to ${after.target}, healthy again`
        : `; the rollback to ${after.target} is ${after.state}`
      : '';
    return `the deploy of ${release.service} at ${release.target} failed: ${why}${left}${after ? dataOf(release, detail.restored) : ''} (run ${release.runId ?? '-'})`;
  }
}

/**
 * Where the database of a migrating release was left once the code was rolled back: the code is the
 * old release's again, but the schema is the failed one's until its pre-deploy snapshot is restored (an
 * approval may be waiting for that, or it was declined).
 */
function dataOf(release: Release, restored: string | undefined): string {
  if (!release.backup) return '';
  const { backup, snapshot } = release.backup;
  return restored
    ? `; the database was restored from snapshot ${snapshot} of ${backup}, taken before it`
    : `; the database is not restored: it may still hold its migrations (snapshot ${snapshot} of ${backup} was taken before it)`;
}
