import { type Kysely, sql } from 'kysely';
import { recoveries, toAlert } from '../alerts/alert-store.js';
import type { AlertRecord } from '../alerts/types.js';
import { DayshiftError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import type { Incidents } from './incidents.js';
import { INCIDENT_STATUSES } from './types.js';

/**
 * How far back the timeline links look: a firing alert must have fired this recently to open or join an
 * incident, and a run must be going or have ended this recently to be put on one.
 */
export const LINK_LOOKBACK_MS = 60 * 60_000;

/** Rows read per query: a pass reads page after page, never a whole table at once. */
const PAGE = 200;

const OPEN = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/** What one alert pass did. */
export interface AlertLinkOutcome {
  /** Alerts that opened an incident. */
  opened: number;
  /** Alerts attached to an incident already open. */
  attached: number;
  /** `alert.resolved` events written. */
  resolved: number;
}

/**
 * Feeds the alert engine's alerts to incidents: firing alerts not attached yet go to `alertFired`, and
 * attached alerts that resolved go to `alertResolved`. Every node runs it; `alertFired` attaches an
 * alert once and the resolve's event has a key, so two nodes passing at once write everything once.
 *
 * Only alerts that fired within LINK_LOOKBACK_MS are offered: an alert already firing for longer when
 * the file first asked for incidents (or when every node was down that long) opens nothing, rather
 * than a burst of incidents about old news.
 */
export class AlertLink {
  readonly #incidents: Incidents;
  readonly #logger: Logger;
  /**
   * Firing alerts that neither opened nor joined an incident, with the newest open incident they were
   * offered against. Offering one again only helps once an incident opens (it may be on the alert's
   * service) or the file changes (open_on may match now); until then it would only take the write lock.
   */
  #declined = new Map<number, number>();
  #declinedFor: unknown;

  constructor(incidents: Incidents, logger: Logger) {
    this.#incidents = incidents;
    this.#logger = logger;
  }

  async pass(now: number): Promise<AlertLinkOutcome> {
    const outcome: AlertLinkOutcome = { opened: 0, attached: 0, resolved: 0 };
    await this.#firing(now, outcome);
    outcome.resolved = await this.#resolved(now);
    return outcome;
  }

  async #firing(now: number, outcome: AlertLinkOutcome): Promise<void> {
    const db = this.#incidents.db;
    if (this.#declinedFor !== this.#incidents.config) {
      this.#declined.clear();
      this.#declinedFor = this.#incidents.config;
    }
    const newest = await newestOpenIncident(db);
    const declined = new Map<number, number>();
    let after = 0;
    for (;;) {
      const page = await unattachedFiring(db, now - LINK_LOOKBACK_MS, after);
      for (const alert of page) {
        const offered = this.#declined.get(alert.id);
        if (offered !== undefined && offered >= newest) {
          declined.set(alert.id, offered);
          continue;
        }
        const result = await this.#incidents
          .alertFired({
            id: alert.id,
            key: alert.key,
            name: alert.name,
            severity: alert.severity,
            service: alert.service,
            summary: alert.summary,
            labels: alert.labels,
          })
          .catch((error: unknown) => {
            // One alert that cannot open an incident (its service left the file) must not stop the
            // others: it is declined like one that matched nothing, and said once. A store that fails
            // fails the pass, which the next one retries.
            if (!(error instanceof DayshiftError)) throw error;
            this.#logger.warn(
              { err: error, alert: alert.id },
              `alert ${alert.key} could not open an incident`,
            );
            return undefined;
          });
        if (result?.opened) outcome.opened++;
        else if (result) outcome.attached++;
        else declined.set(alert.id, newest);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]?.id ?? after;
    }
    // Alerts no longer firing (or now attached) are forgotten.
    this.#declined = declined;
  }

  /** Writes `alert.resolved` for attached alerts that resolved, on incidents open or resolved lately. */
  async #resolved(now: number): Promise<number> {
    const db = this.#incidents.db;
    let written = 0;
    for (;;) {
      const rows = await db
        .selectFrom('incident_alerts as ia')
        .innerJoin('incidents as i', 'i.id', 'ia.incident_id')
        .innerJoin('alerts as a', 'a.id', 'ia.alert_id')
        .select(['a.id', 'a.name', 'a.resolved_at'])
        .where((eb) =>
          eb.or([
            eb('i.status', 'in', OPEN),
            eb.and([eb('i.status', '=', 'resolved'), eb('i.resolved_at', '>=', now - LINK_LOOKBACK_MS)]),
          ]),
        )
        .where('a.state', '=', 'resolved')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('incident_events as e')
                .select('e.id')
                .whereRef('e.incident_id', '=', 'ia.incident_id')
                .where('e.key', '=', sql<string>`'alert:' || ${sql.ref('ia.alert_id')} || ':resolved'`),
            ),
          ),
        )
        .orderBy('a.id')
        .limit(PAGE)
        .execute();
      const said = await recoveries(
        db,
        rows.map((r) => Number(r.id)),
      );
      for (const row of rows) {
        const id = Number(row.id);
        const text = said.get(id) ?? `${row.name} resolved`;
        if (await this.#incidents.alertResolved(id, text, Number(row.resolved_at ?? now))) written++;
      }
      // Another node may have written some of this page meanwhile: a full page means look again.
      if (rows.length < PAGE) return written;
    }
  }
}

/** Firing alerts that fired since `since`, not attached to any incident, after id `after`. */
async function unattachedFiring(db: Kysely<Database>, since: number, after: number): Promise<AlertRecord[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('state', '=', 'firing')
    .where('id', '>', after)
    .where('fired_at', '>=', since)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('incident_alerts')
            .select('alert_id')
            .whereRef('incident_alerts.alert_id', '=', 'alerts.id'),
        ),
      ),
    )
    .orderBy('id')
    .limit(PAGE)
    .execute();
  return rows.map(toAlert);
}

/** The id of the newest open incident, 0 when none is open. */
async function newestOpenIncident(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('status', 'in', OPEN)
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}
