import type { Logger } from '../log/logger.js';
import { PassLoop } from '../util/pass-loop.js';
import { AlertLink, type AlertLinkOutcome } from './alert-link.js';
import type { Incidents } from './incidents.js';
import { RunLink } from './run-link.js';

/** How often a node looks for alerts and runs to put on timelines, when nothing pokes it sooner. */
export const LINK_TICK_MS = 2_000;

/** What one pass wrote. */
export interface LinkOutcome extends AlertLinkOutcome {
  /** `run` events written. */
  runs: number;
}

/**
 * What writes the timeline by itself on one node: a pass on a timer (and whenever poked: the alert
 * engine pokes it after a pass that fired or resolved alerts) that feeds alerts to incidents and puts
 * runs on their timelines. The timer is what makes it complete: whatever fired, resolved or ran while
 * no node was passing is picked up by the next pass of any node. One pass at a time; a poke during one
 * asks for another right after.
 */
export class TimelineLinks {
  readonly #incidents: Incidents;
  readonly #alerts: AlertLink;
  readonly #runs: RunLink;
  readonly #loop: PassLoop<LinkOutcome>;

  constructor(incidents: Incidents, logger: Logger, tickMs = LINK_TICK_MS) {
    this.#incidents = incidents;
    this.#alerts = new AlertLink(incidents, logger);
    this.#runs = new RunLink(incidents.db, incidents.clock);
    this.#loop = new PassLoop({
      tickMs,
      pass: () => this.pass(),
      ended: (outcome) => {
        if (outcome.opened + outcome.attached + outcome.resolved + outcome.runs > 0)
          logger.info(outcome, 'incident timelines: alerts and runs linked');
      },
      failed: (error) =>
        logger.error({ err: error }, 'linking alerts and runs to incidents failed; the next pass retries'),
    });
  }

  start(): void {
    this.#loop.start({ now: true });
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Runs a pass now, or right after the one under way. */
  poke(): void {
    this.#loop.poke();
  }

  /** One pass: alerts first (they may open the incident a run then joins), then runs. */
  async pass(): Promise<LinkOutcome> {
    const now = this.#incidents.clock.now();
    const alerts = await this.#alerts.pass(now);
    const runs = await this.#runs.pass(this.#incidents.config, now);
    return { ...alerts, runs };
  }
}
