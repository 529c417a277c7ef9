import type { StackConfig } from '../config/schema.js';
import type { Runs } from '../runs/runs.js';
import { formatDuration } from '../schema/duration.js';
import { humanSpan, openFor } from './recovery.js';
import { routeTo, severityOr } from './routing.js';
import type { AlertOrigin, AlertRecord, DesiredAlert } from './types.js';

const ENDED = ['succeeded', 'failed'] as const;
const RUN_KINDS = ['backup', 'drill', 'verify'] as const;
/** How often the newest end of a backup, drill or verify run is looked up between evaluations. */
const PROBE_MS = 1_000;

interface BackupAlertSettings {
  name: string;
  severity: string;
  notify: string[];
  rpoMs: number | undefined;
  repeatMs: number;
}

/**
 * Alerts from backup runs: the newest backup failed, the newest drill failed (an assertion, the
 * restore, or a missed RTO or RPO), the newest verify found damage, or no backup has succeeded within
 * `rpo` (a missed backup). Each resolves when a newer run succeeds.
 *
 * Runs are read again every `alerting.evaluate_every`, like rules, and as soon as a run of a backup
 * ends, on this node or any other sharing the store: a failure at 03:00 alerts at 03:00, not when
 * `rpo` has passed. Spotting that end costs one small query a second (`lastEnded`).
 */
export class BackupAlertOrigin implements AlertOrigin {
  readonly prefix = 'backup:';
  readonly #runs: Runs;
  readonly #backups: BackupAlertSettings[];
  readonly #everyMs: number;
  /** A backup that never succeeded is missed `rpo` after this node began watching it. */
  #watchingSince: number | undefined;
  #evaluatedAt = Number.NEGATIVE_INFINITY;
  #probedAt = Number.NEGATIVE_INFINITY;
  /** The newest end of a run the last evaluation saw; a newer one means evaluating again now. */
  #lastEnded: number | null = null;
  #answers: DesiredAlert[] = [];
  /** By alert key, what the last evaluation found good again, for the line a resolve carries. */
  #cleared = new Map<string, string>();

  constructor(config: StackConfig, runs: Runs) {
    this.#runs = runs;
    this.#everyMs = config.alerting.evaluate_every;
    this.#backups = Object.entries(config.backups).map(([name, backup]) => {
      const severity = backup.severity ?? severityOr(config, 'high', 'most');
      return {
        name,
        severity,
        notify: routeTo(config, backup.notify, severity),
        rpoMs: backup.rpo,
        repeatMs: config.alerting.repeat,
      };
    });
  }

  async desired(now: number): Promise<DesiredAlert[]> {
    this.#watchingSince ??= now;
    if (this.#backups.length === 0) return this.#answers;
    const due = now - this.#evaluatedAt >= this.#everyMs;
    if (due || (await this.#runEnded(now))) {
      const lastEnded = await this.#runs.lastEnded(RUN_KINDS);
      const answers = await Promise.all(this.#backups.map((b) => this.#alertsOf(b, now)));
      this.#answers = answers.flat();
      this.#evaluatedAt = now;
      this.#lastEnded = lastEnded;
    }
    return this.#answers;
  }

  /** Whether a backup, drill or verify run ended since the last evaluation (looked up once a second). */
  async #runEnded(now: number): Promise<boolean> {
    if (now - this.#probedAt < PROBE_MS) return false;
    this.#probedAt = now;
    const lastEnded = await this.#runs.lastEnded(RUN_KINDS);
    return lastEnded !== null && (this.#lastEnded === null || lastEnded > this.#lastEnded);
  }

  /** `the restore drill of db passes again (run 12); the alert was open 2d`. */
  async recovery(alert: AlertRecord, now: number): Promise<string | undefined> {
    const line = this.#cleared.get(alert.key);
    return line ? `${line}; the alert was open ${openFor(alert, now)}` : undefined;
  }

  async #alertsOf(backup: BackupAlertSettings, now: number): Promise<DesiredAlert[]> {
    const runs = this.#runs;
    // A cancelled drill or verify proved nothing either way: the newest one that ran to its end counts.
    const [newest, drill, verify, good] = await Promise.all([
      runs.latest('backup', backup.name, ENDED),
      runs.latest('drill', backup.name, ENDED),
      runs.latest('verify', backup.name, ENDED),
      backup.rpoMs === undefined ? undefined : runs.latest('backup', backup.name, 'succeeded'),
    ]);
    const out: DesiredAlert[] = [];
    const key = (kind: string) => `backup:${backup.name}:${kind}`;
    if (drill?.status === 'succeeded')
      this.#cleared.set(key('drill'), `the restore drill of ${backup.name} passes again (run ${drill.id})`);
    if (verify?.status === 'succeeded')
      this.#cleared.set(key('verify'), `verifying ${backup.name} passes again (run ${verify.id})`);
    if (newest?.status === 'succeeded')
      this.#cleared.set(key('failed'), `the backup of ${backup.name} succeeds again (run ${newest.id})`);
    // The newest backup that ran to its end failed: told at once, while `missed` waits for the RPO.
    if (newest?.status === 'failed')
      out.push({
        ...this.#base(backup, 'backup'),
        key: key('failed'),
        name: `${backup.name} backup failed`,
        summary: `the backup of ${backup.name} failed: ${reasonsOf(newest.summary)}`,
        since: newest.finishedAt ?? newest.startedAt,
      });
    if (drill?.status === 'failed')
      out.push({
        ...this.#base(backup, 'backup'),
        key: `backup:${backup.name}:drill`,
        name: `${backup.name} drill failed`,
        summary: `the restore drill of ${backup.name} failed: ${reasonsOf(drill.summary)}`,
        since: drill.finishedAt ?? drill.startedAt,
      });
    if (verify?.status === 'failed')
      out.push({
        ...this.#base(backup, 'backup'),
        key: `backup:${backup.name}:verify`,
        name: `${backup.name} verify failed`,
        summary: `verifying ${backup.name} failed: ${reasonsOf(verify.summary)}`,
        since: verify.finishedAt ?? verify.startedAt,
      });
    if (backup.rpoMs !== undefined) {
      // The data a snapshot holds is as old as the dump's start.
      const newest = good?.startedAt;
      // Never succeeded: missed `rpo` after its first attempt, or after this node began watching.
      const first = newest === undefined ? await runs.first('backup', backup.name) : undefined;
      const from =
        newest ?? Math.min(first?.startedAt ?? Number.POSITIVE_INFINITY, this.#watchingSince ?? now);
      if (newest !== undefined && now - from <= backup.rpoMs)
        this.#cleared.set(
          key('missed'),
          `the newest good snapshot of ${backup.name} is ${humanSpan(now - newest)} old, within its RPO of ${formatDuration(backup.rpoMs)}`,
        );
      if (now - from > backup.rpoMs)
        out.push({
          ...this.#base(backup, 'missed'),
          key: `backup:${backup.name}:missed`,
          name: `${backup.name} backup missed`,
          summary:
            newest === undefined
              ? `${backup.name} has no successful backup, and its RPO is ${formatDuration(backup.rpoMs)}`
              : `the newest good snapshot of ${backup.name} is ${formatDuration(now - newest)} old; its RPO is ${formatDuration(backup.rpoMs)}`,
          value: newest === undefined ? null : Math.round((now - newest) / 1000),
          since: from + backup.rpoMs,
        });
    }
    return out;
  }

  #base(
    backup: BackupAlertSettings,
    origin: 'backup' | 'missed',
  ): Omit<DesiredAlert, 'key' | 'name' | 'summary'> {
    return {
      origin,
      severity: backup.severity,
      labels: { backup: backup.name, severity: backup.severity, origin },
      notify: backup.notify,
      forMs: 0,
      repeatMs: backup.repeatMs,
    };
  }
}

/** The reasons a run gave, in one line: a drill's failures, a verify's problems, or an error. */
function reasonsOf(summary: unknown): string {
  if (summary && typeof summary === 'object') {
    const s = summary as {
      failures?: unknown[];
      problems?: Array<{ entry?: string; file?: string; problem?: string }>;
      error?: string;
    };
    if (Array.isArray(s.failures) && s.failures.length > 0) return s.failures.map(String).join('; ');
    if (Array.isArray(s.problems) && s.problems.length > 0)
      return s.problems
        .slice(0, 3)
        .map((p) => `${p.file ?? p.entry ?? 'snapshot'}: ${p.problem ?? 'damaged'}`)
        .join('; ')
        .concat(s.problems.length > 3 ? ` (and ${s.problems.length - 3} more)` : '');
    if (typeof s.error === 'string') return s.error;
  }
  return 'see the run record';
}
