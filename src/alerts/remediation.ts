import type { Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import { Runs } from '../runs/runs.js';
import { isFinished } from '../runs/states.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { recordRemediation, settleRemediation } from './alert-store.js';
import type { AlertRecord, AlertRemediation } from './types.js';

/**
 * What starts the runbooks an alert asks for (`on: { alert }`): the runbooks feature. Given the alert
 * that fired, it opens and queues their runs and says what it did for each.
 */
export interface RemediationPort {
  remediate(alert: {
    id: number;
    key: string;
    labels: Readonly<Record<string, string>>;
  }): Promise<AlertRemediation[]>;
}

/**
 * Auto-remediation on the alert engine's side: starts the runbooks of an alert when it fires (the
 * notification queued in the same pass names the runs), and follows those runs in later passes; one
 * that fails escalates the alert (settleRemediation).
 */
export class Remediations {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #port: RemediationPort;
  readonly #logger: Logger;
  readonly #runs: Runs;

  constructor(db: Kysely<Database>, clock: Clock, port: RemediationPort, logger: Logger) {
    this.#db = db;
    this.#clock = clock;
    this.#port = port;
    this.#logger = logger;
    this.#runs = new Runs(db, clock);
  }

  /** Starts the alert's runbooks; a failure to start is logged, never a reason to hold the alert back. */
  async fired(alert: AlertRecord, labels: Readonly<Record<string, string>>): Promise<void> {
    try {
      const started = await this.#port.remediate({ id: alert.id, key: alert.key, labels });
      if (started.length > 0) await recordRemediation(this.#db, alert, started, this.#clock.now());
    } catch (error) {
      this.#logger.error(
        { err: error, alert: alert.id },
        `could not start the runbooks of alert ${alert.key}`,
      );
    }
  }

  /** Reads the runs still going for open alerts; records those that ended, escalating a failure. */
  async follow(open: readonly AlertRecord[]): Promise<void> {
    for (const alert of open) {
      if (!alert.remediation.some((r) => r.status === 'running' && r.runId !== null)) continue;
      const next = await Promise.all(
        alert.remediation.map(async (r) => {
          if (r.status !== 'running' || r.runId === null) return r;
          const status = await this.#runs.status(r.runId).catch(() => undefined);
          return status && isFinished(status) ? { ...r, status } : r;
        }),
      );
      if (next.every((r, i) => r.status === alert.remediation[i]?.status)) continue;
      await settleRemediation(this.#db, alert, next, this.#clock.now());
    }
  }
}
