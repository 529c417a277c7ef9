import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { PassLoop } from '../util/pass-loop.js';
import { applyStep, openAlerts } from './alert-store.js';
import { planStep } from './lifecycle.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { scheduleDeliveries } from './outbox.js';
import { defaultRecovery } from './recovery.js';
import type { Remediations } from './remediation.js';
import type { Silences } from './silences.js';
import { suppressionAt } from './suppression.js';
import type { AlertOrigin, AlertRecord, DesiredAlert } from './types.js';

export interface AlertEngineOptions {
  db: Kysely<Database>;
  config: StackConfig;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  origins: readonly AlertOrigin[];
  silences: Silences;
  calendar: MaintenanceCalendar;
  /** How often open alerts are reconciled with their origins; a check transition also triggers a pass. */
  tickMs?: number;
  /** Starts and follows the runbooks an alert asks for (`on: { alert }`); none when absent. */
  remediations?: Remediations;
}

/** What one pass did, for tests and logs. */
export interface PassOutcome {
  /** When the pass read the alerts and their origins (the engine's clock). */
  at: number;
  steps: Record<string, number>;
  deliveriesScheduled: number;
}

/** True when a pass found nothing to change and queued no delivery: everything due was already done. */
export function quietPass(outcome: PassOutcome): boolean {
  return Object.keys(outcome.steps).length === 0 && outcome.deliveriesScheduled === 0;
}

/**
 * The engine's events: `idle` after a pass of its loop ends with no other pass asked for meanwhile,
 * with its outcome and its number among the loop's passes.
 */
export interface AlertEngineEvents {
  idle: [outcome: PassOutcome, pass: number];
}

/**
 * Keeps the open alerts equal to what the origins say, one pass at a time: opens, fires, reminds,
 * resolves, and puts notifications in the outbox, then schedules their deliveries. Any number of nodes
 * may run passes at once: each change is a conditional update, so it happens and notifies once.
 *
 * It emits `idle` (with the pass's outcome) each time a pass of its loop ends with no other pass asked
 * for meanwhile: everything due when that pass began has been reconciled and nothing is in flight. A
 * failed pass is not idle; the next tick retries it. Nothing is emitted while nobody listens.
 */
export class AlertEngine extends EventEmitter<AlertEngineEvents> {
  #o: AlertEngineOptions;
  /** The loop of passes; whenIdle waits for one begun after it was called. */
  readonly #loop: PassLoop<PassOutcome>;

  constructor(options: AlertEngineOptions) {
    super();
    this.#o = options;
    this.#loop = new PassLoop({
      tickMs: options.tickMs ?? 500,
      pass: () => this.pass(),
      // Another pass was asked for while this one ran: the engine is not idle until that one ends.
      ended: (outcome, { begun, again }) => {
        if (!again && this.listenerCount('idle') > 0) this.emit('idle', outcome, begun);
      },
      failed: (error) => this.#o.logger.error({ err: error }, 'alert pass failed; the next one retries'),
    });
  }

  /** A reloaded stack file's origins, routes and windows, used from the next pass on. */
  reconfigure(next: Pick<AlertEngineOptions, 'config' | 'origins' | 'calendar'>): void {
    this.#o = { ...this.#o, ...next };
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Runs a pass now, or right after the one under way. */
  poke(): void {
    this.#loop.poke();
  }

  /**
   * Settles with the outcome of the first pass begun after this call that ends idle: everything due
   * now has then been reconciled. It asks for that pass at once rather than waiting for a tick; on a
   * stopped engine it fails.
   */
  whenIdle(): Promise<PassOutcome> {
    if (this.#loop.stopped)
      return Promise.reject(
        new DayshiftError('INTERNAL', 'the alert engine is stopped, so it will not be idle again', {
          hint: 'wait for idle before stopping the node',
        }),
      );
    const after = this.#loop.begun;
    return new Promise((resolve) => {
      const listener = (outcome: PassOutcome, pass: number) => {
        if (pass <= after) return;
        this.off('idle', listener);
        resolve(outcome);
      };
      this.on('idle', listener);
      this.poke();
    });
  }

  /** One reconciliation of every origin's alerts. */
  async pass(): Promise<PassOutcome> {
    // One file's settings for the whole pass, should a reload land while it runs.
    const { db, clock, origins, logger, config, calendar } = this.#o;
    const now = clock.now();
    const steps: Record<string, number> = {};
    const suppression = await suppressionAt(this.#o.silences, calendar, now);
    // Open alerts are read before the origins: an origin read after them is at least as new as what any
    // other node saw when it changed them, so a node cannot reopen an alert from a stale state.
    const owned = origins.map((o) => o.prefix);
    const openList = await openAlerts(db, owned);
    const desired = new Map<string, DesiredAlert>();
    const answered = new Set<string>();
    for (const origin of origins) {
      try {
        for (const d of await origin.desired(now)) desired.set(d.key, d);
        answered.add(origin.prefix);
      } catch (error) {
        // An origin that cannot answer leaves its alerts as they are rather than resolving them all.
        logger.error(
          { err: error, origin: origin.prefix },
          'an alert origin failed; its alerts are left as they are',
        );
      }
    }
    const open = new Map(
      openList.filter((a) => [...answered].some((p) => a.key.startsWith(p))).map((a) => [a.key, a]),
    );
    const keys = new Set([...open.keys(), ...desired.keys()]);
    for (const key of keys) {
      const current = open.get(key);
      const wanted = desired.get(key);
      const subject = wanted ?? current;
      const suppressedBy = subject
        ? suppression.suppressedBy({ labels: labelsOf(subject), service: subject.service })
        : undefined;
      let step = planStep(current, wanted, { now, suppressedBy });
      if (step.kind === 'none') continue;
      if (step.kind === 'resolve' && current)
        step = { ...step, recovery: await recoveryOf(origins, current, now) };
      const applied = await applyStep(db, step, current, wanted, now, suppressedBy);
      // A runbook is started for an alert as it fires and is told (not while silenced or in maintenance).
      const fired =
        step.kind === 'fire' || step.kind === 'announce' || (step.kind === 'open' && step.state === 'firing');
      if (applied && fired && !suppressedBy && applied.state === 'firing')
        await this.#o.remediations?.fired(applied, labelsOf(applied));
      if (applied) {
        steps[step.kind] = (steps[step.kind] ?? 0) + 1;
        if (step.kind !== 'remind')
          logger.info(
            { alert: applied.id, key, step: step.kind, suppressedBy },
            `alert ${key}: ${step.kind}`,
          );
      }
    }
    await this.#o.remediations?.follow(openList);
    const deliveriesScheduled = await scheduleDeliveries(db, this.#o.queue, config, now);
    return { at: now, steps, deliveriesScheduled };
  }
}

/** What recovered, in the words of the alert's origin, or the generic line; an origin that fails says nothing. */
async function recoveryOf(origins: readonly AlertOrigin[], alert: AlertRecord, now: number): Promise<string> {
  const origin = origins.find((o) => alert.key.startsWith(o.prefix));
  const line = await origin?.recovery?.(alert, now).catch(() => undefined);
  return line ?? defaultRecovery(alert, now);
}

/** The labels silences match on: the alert's own, plus its name, key, severity and origin. */
export function labelsOf(alert: {
  labels: Record<string, string>;
  name: string;
  key: string;
  severity: string;
  origin: string;
}): Record<string, string> {
  return {
    ...alert.labels,
    alertname: alert.name,
    key: alert.key,
    severity: alert.severity,
    origin: alert.origin,
  };
}
