import type { StackConfig } from '../config/schema.js';
import { standingOf } from '../deploys/drift.js';
import type { Release } from '../deploys/release.js';
import type { Releases } from '../deploys/releases.js';
import { ServiceHandle } from '../services/service-control.js';
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
 *
 * With `alert_on_drift: true` on a service's deploy (and the stack file's folder known), it also
 * alerts when what the service runs is not its live release, read from its driver every
 * `alerting.evaluate_every`: someone deployed by hand. That one resolves when they agree again.
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

  readonly #config: StackConfig;
  readonly #baseDir: string | undefined;
  /** The services whose drift alerts, and the severity it alerts at. */
  readonly #drifting: string[];
  readonly #driftSeverity: string;

  constructor(config: StackConfig, releases: Releases, baseDir?: string) {
    this.#config = config;
    this.#baseDir = baseDir;
    this.#drifting = Object.entries(config.deploys)
      .filter(([, deploy]) => deploy.alert_on_drift)
      .map(([service]) => service);
    this.#driftSeverity = severityOr(config, 'medium', 'least');
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
    // Each service's newest releases, read once for both kinds of alert.
    const recentOf = new Map<string, Release[]>();
    for (const service of this.#services)
      recentOf.set(service, await this.#releases.list(service, { limit: 50 }));
    const out: DesiredAlert[] = await this.#drift(now, recentOf);
    for (const service of this.#services) {
      const recent = recentOf.get(service) ?? [];
      // While a release of the service is still going (the automatic rollback), the alert waits: it
      // fires once, saying where the deploy left the service.
      if (recent.some((r) => r.state === 'deploying')) {
        out.push(...this.#answers.filter((a) => a.key === `deploy:${service}:failed`));
        continue;
      }
      const newest = recent.find((r) => r.action === 'deploy');
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
        summary: summaryOf(newest, recent),
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

  /** The drift alerts of the services that ask for them; a service being deployed keeps what it had. */
  async #drift(now: number, recentOf: ReadonlyMap<string, Release[]>): Promise<DesiredAlert[]> {
    const baseDir = this.#baseDir;
    if (baseDir === undefined) return [];
    const out: DesiredAlert[] = [];
    for (const service of this.#drifting) {
      const key = `deploy:${service}:drift`;
      const deploying = (recentOf.get(service) ?? []).slice(0, 5).some((r) => r.state === 'deploying');
      if (deploying) {
        out.push(...this.#answers.filter((a) => a.key === key));
        continue;
      }
      const handle = new ServiceHandle(this.#config, baseDir, service);
      const standing = await standingOf(handle, this.#releases, this.#config, baseDir).catch(() => undefined);
      if (!standing?.drift) {
        if (standing) this.#cleared.set(key, `${service} runs its live release again (${standing.detail})`);
        continue;
      }
      out.push({
        key,
        origin: 'deploy',
        name: `${service} drifted from its release`,
        severity: this.#driftSeverity,
        service,
        summary: `${service}: ${standing.detail}`,
        value: standing.running,
        labels: {
          service,
          severity: this.#driftSeverity,
          origin: 'deploy',
          release: String(standing.release),
        },
        notify: routeTo(this.#config, undefined, this.#driftSeverity),
        forMs: 0,
        repeatMs: this.#repeatMs,
        since: now,
      });
    }
    return out;
  }

  async recovery(alert: AlertRecord, now: number): Promise<string | undefined> {
    const line = this.#cleared.get(alert.key);
    return line ? `${line}; the alert was open ${openFor(alert, now)}` : undefined;
  }
}

/** What the alert of a failed deploy says: what failed, and where the service was left (`recent`: its newest releases). */
function summaryOf(release: Release, recent: readonly Release[]): string {
  const detail = (release.detail ?? {}) as { failure?: string; interrupted?: string; restored?: string };
  const why = detail.failure ?? (detail.interrupted ? `interrupted: ${detail.interrupted}` : 'see its run');
  const after = recent.find((r) => r.id > release.id && r.action === 'rollback');
  const left = after
    ? after.state === 'verified'
      ? `; rolled back to ${after.target}, healthy again`
      : `; the rollback to ${after.target} is ${after.state}`
    : '';
  return `the deploy of ${release.service} at ${release.target} failed: ${why}${left}${after ? dataOf(release, detail.restored) : ''} (run ${release.runId ?? '-'})`;
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
