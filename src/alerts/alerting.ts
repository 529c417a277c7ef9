import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { Releases } from '../deploys/releases.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log/logger.js';
import type { Monitor } from '../monitor/monitor.js';
import { Runs } from '../runs/runs.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { acknowledge } from './alert-store.js';
import { BackupAlertOrigin } from './backup-origin.js';
import { CheckAlertOrigin } from './check-origin.js';
import { DeployAlertOrigin } from './deploy-origin.js';
import { AlertEngine } from './engine.js';
import { MaintenanceCalendar } from './maintenance.js';
import { Outbox } from './outbox.js';
import { type RemediationPort, Remediations } from './remediation.js';
import { RuleAlertOrigin } from './rule-origin.js';
import { Silences } from './silences.js';
import type { AlertOrigin } from './types.js';

export interface AlertingOptions {
  db: Kysely<Database>;
  config: StackConfig;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  /** When given, a check's state change triggers an alert pass at once instead of at the next tick. */
  monitor?: Monitor;
  tickMs?: number;
  /** The node's outbox, which its delivery jobs report to; a new one when omitted. */
  outbox?: Outbox;
  /** Starts the runbooks an alert asks for when it fires (the runbooks feature); none when absent. */
  remediation?: RemediationPort;
  /** The stack file's folder, where a service's driver acts from (the drift of its deploys); none: no drift alerts. */
  baseDir?: string;
}

/** Alerting on one node: its origins, the engine, silences and maintenance, as the API and CLI use them. */
export class Alerting {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly engine: AlertEngine;
  /** Where notifications wait for their delivery; its `idle` says it is drained. */
  readonly outbox: Outbox;
  readonly silences: Silences;
  #calendar: MaintenanceCalendar;
  readonly #db: Kysely<Database>;
  readonly #runs: Runs;
  readonly #logger: Logger;
  readonly #baseDir: string | undefined;
  readonly #monitor: Monitor | undefined;
  #pokeTimer: NodeJS.Timeout | undefined;
  readonly #onTransition = () => {
    // Transitions come in bursts; one pass after the writer has stored them covers the burst.
    this.#pokeTimer ??= setTimeout(() => {
      this.#pokeTimer = undefined;
      void this.#monitor?.writer.flush().then(() => this.engine.poke());
    }, 10);
  };

  constructor(options: AlertingOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.outbox = options.outbox ?? new Outbox(options.db);
    this.silences = new Silences(options.db);
    this.#db = options.db;
    this.#runs = new Runs(options.db, options.clock);
    this.#logger = options.logger;
    this.#baseDir = options.baseDir;
    const { calendar, origins } = this.#fromFile(options.config);
    this.#calendar = calendar;
    this.engine = new AlertEngine({
      db: options.db,
      config: options.config,
      queue: options.queue,
      clock: options.clock,
      logger: options.logger,
      origins,
      silences: this.silences,
      calendar,
      tickMs: options.tickMs,
      remediations: options.remediation
        ? new Remediations(options.db, options.clock, options.remediation, options.logger)
        : undefined,
    });
    this.#monitor = options.monitor;
  }

  /** The stack file's maintenance windows with those made through the API. */
  get calendar(): MaintenanceCalendar {
    return this.#calendar;
  }

  /**
   * Takes a reloaded stack file: checks, rules, backups, notifiers, routes and maintenance windows as
   * it says, from the engine's next pass. An alert whose check or rule is gone resolves then.
   */
  reload(config: StackConfig): void {
    const { calendar, origins } = this.#fromFile(config);
    this.#calendar = calendar;
    this.engine.reconfigure({ config, origins, calendar });
  }

  #fromFile(config: StackConfig): { calendar: MaintenanceCalendar; origins: AlertOrigin[] } {
    return {
      calendar: new MaintenanceCalendar(config, this.#db),
      origins: [
        new CheckAlertOrigin(config, this.#db),
        new RuleAlertOrigin(config, this.#db, this.#logger),
        new BackupAlertOrigin(config, this.#runs),
        new DeployAlertOrigin(config, new Releases(this.#db, this.clock), this.#baseDir),
      ],
    };
  }

  start(): void {
    this.#monitor?.writer.on('transition', this.#onTransition);
    this.engine.start();
    this.engine.poke();
  }

  async stop(): Promise<void> {
    this.#monitor?.writer.off('transition', this.#onTransition);
    clearTimeout(this.#pokeTimer);
    await this.engine.stop();
  }

  acknowledge(id: number, by: string, comment?: string) {
    return acknowledge(this.db, id, by, this.clock.now(), comment);
  }
}
