import type { Kysely } from 'kysely';
import { pushCapabilityOf } from '../checks/registry.js';
import type { StackConfig } from '../config/schema.js';
import { formatDuration } from '../schema/duration.js';
import type { Database } from '../store/schema.js';
import { openFor, passingNow } from './recovery.js';
import { routeTo, severityOr } from './routing.js';
import type { AlertOrigin, AlertRecord, DesiredAlert } from './types.js';

interface CheckAlertSettings {
  id: string;
  service: string;
  kind: string;
  severity: string;
  warningSeverity: string;
  notify: string[];
  warnNotify: string[];
  repeatMs: number;
  labels: Record<string, string>;
}

/**
 * Alerts from check states: unhealthy raises an alert at the check's severity, degraded a warning at
 * the least severity, a heartbeat that stopped arriving a "missed" alert, and one whose job reported a
 * failure a "failed" alert carrying the end of its output. A check that changed state
 * more than `alerting.flapping.changes` times within the window is held as one flapping alert.
 */
export class CheckAlertOrigin implements AlertOrigin {
  readonly prefix = 'check:';
  readonly #db: Kysely<Database>;
  readonly #checks: Map<string, CheckAlertSettings>;
  readonly #flapping: StackConfig['alerting']['flapping'];

  constructor(config: StackConfig, db: Kysely<Database>) {
    this.#db = db;
    this.#flapping = config.alerting.flapping;
    this.#checks = new Map();
    const warning = severityOr(config, 'low', 'least');
    for (const [service, def] of Object.entries(config.services))
      for (const [name, check] of Object.entries(def.checks)) {
        const id = `${service}.${name}`;
        const severity = check.severity ?? severityOr(config, 'high', 'most');
        this.#checks.set(id, {
          id,
          service,
          kind: check.kind,
          severity,
          warningSeverity: warning,
          notify: routeTo(config, check.notify, severity),
          warnNotify: routeTo(config, check.notify, warning),
          repeatMs: check.repeat ?? config.alerting.repeat,
          labels: check.labels ?? {},
        });
      }
  }

  async desired(now: number): Promise<DesiredAlert[]> {
    const [states, flapping] = await Promise.all([
      this.#db
        .selectFrom('check_states')
        .select(['check_id', 'state', 'since', 'last_reason'])
        .where('state', 'in', ['unhealthy', 'degraded'])
        .execute(),
      this.#flappingChecks(now),
    ]);
    const out: DesiredAlert[] = [];
    for (const [id, changes] of flapping) {
      const check = this.#checks.get(id);
      if (!check) continue;
      out.push({
        ...this.#base(check, 'check', check.severity, check.notify),
        key: `check:${id}`,
        name: `${id} flapping`,
        summary: `${id} changed state ${changes} times in ${formatDuration(this.#flapping.window)}`,
        flapping: true,
      });
    }
    for (const row of states) {
      const check = this.#checks.get(row.check_id);
      if (!check || flapping.has(check.id)) continue;
      const since = Number(row.since);
      const reason = row.last_reason ?? row.state;
      if (row.state === 'unhealthy') {
        // A pushed check that fails means its job missed a run or said it failed, not that a target is down.
        const push = pushCapabilityOf(check.kind);
        out.push({
          ...this.#base(check, push ? 'missed' : 'check', check.severity, check.notify),
          key: `check:${check.id}`,
          name: push ? `${check.id} ${push.failureWord(reason)}` : `${check.id} unhealthy`,
          summary: reason,
          since,
        });
      } else {
        out.push({
          ...this.#base(check, 'check', check.warningSeverity, check.warnNotify),
          key: `check:${check.id}:warning`,
          name: `${check.id} degraded`,
          summary: reason,
          since,
        });
      }
    }
    return out;
  }

  /** What recovered: the check's state now, and the condition that had failed when it passes again. */
  async recovery(alert: AlertRecord, now: number): Promise<string | undefined> {
    const id = alert.checkId;
    if (!id) return undefined;
    const took = openFor(alert, now);
    if (!this.#checks.has(id)) return `${id} is no longer in the stack file (after ${took})`;
    const row = await this.#db
      .selectFrom('check_states')
      .select(['state', 'last_result'])
      .where('check_id', '=', id)
      .executeTakeFirst();
    const state = row?.state ?? 'unknown';
    const nowState = state === 'healthy' ? '' : ` (now ${state})`;
    if (alert.flapping) return `${id} stopped flapping after ${took}${nowState}`;
    if (alert.key.endsWith(':warning')) return `${id} is no longer degraded after ${took}${nowState}`;
    if (alert.origin === 'missed') return `${id} is on time again after ${took}${nowState}`;
    const passes = passingNow(row?.last_result, alert.summary);
    const what = state === 'healthy' ? `${id} is healthy again` : `${id} is no longer unhealthy${nowState}`;
    return `${what} after ${took}${passes ? `: ${passes}` : ''}`;
  }

  /**
   * Checks that changed state more than `changes` times within the window. Leases keep a check on one
   * node, but a run outside them (`dayshift check`, a node of an older version during an upgrade) can
   * record the same change twice, so repeats of the state just entered are not counted as changes.
   */
  async #flappingChecks(now: number): Promise<Map<string, number>> {
    const since = now - this.#flapping.window;
    const candidates = await this.#db
      .selectFrom('check_transitions')
      .select('check_id')
      .where('at', '>', since)
      .groupBy('check_id')
      .having((eb) => eb.fn.countAll(), '>', this.#flapping.changes)
      .execute();
    const out = new Map<string, number>();
    if (candidates.length === 0) return out;
    const rows = await this.#db
      .selectFrom('check_transitions')
      .select(['check_id', 'to_state'])
      .where('at', '>', since)
      .where(
        'check_id',
        'in',
        candidates.map((c) => c.check_id),
      )
      .orderBy('check_id')
      .orderBy('at')
      .orderBy('id')
      .execute();
    let previous: { check: string; state: string } | undefined;
    const counts = new Map<string, number>();
    for (const row of rows) {
      if (previous?.check !== row.check_id || previous.state !== row.to_state)
        counts.set(row.check_id, (counts.get(row.check_id) ?? 0) + 1);
      previous = { check: row.check_id, state: row.to_state };
    }
    for (const [check, changes] of counts) if (changes > this.#flapping.changes) out.set(check, changes);
    return out;
  }

  #base(
    check: CheckAlertSettings,
    origin: 'check' | 'missed',
    severity: string,
    notify: string[],
  ): Omit<DesiredAlert, 'key' | 'name' | 'summary'> {
    const [service, name] = [check.service, check.id.slice(check.service.length + 1)];
    return {
      origin,
      severity,
      service,
      checkId: check.id,
      labels: { ...check.labels, service, check: name, severity, origin },
      notify,
      forMs: 0,
      repeatMs: check.repeatMs,
    };
  }
}
