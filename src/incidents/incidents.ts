import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Store } from '../store/index.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { type DeadlinePayload, queueDeadline } from './deadline-queue.js';
import { queueIncidentMessage } from './notify-job.js';
import { type AlertSignal, incidentSeverityOf, opensIncident } from './open-on.js';
import { knownPolicy, type SeverityPolicy, severityPolicy } from './policy.js';
import { appendEvents, readIncident, readTimeline, toIncident } from './records.js';
import { renderIncident } from './template.js';
import {
  INCIDENT_STATUSES,
  type Incident,
  type IncidentEvent,
  type IncidentStatus,
  type NewIncidentEvent,
} from './types.js';

export { DEADLINE_KIND, type DeadlinePayload } from './deadline-queue.js';

export type { AlertSignal } from './open-on.js';

export interface OpenInput {
  title: string;
  severity: string;
  services?: readonly string[];
  impact?: string;
  eta?: string;
  /** The first public update; the title when omitted. */
  message?: string;
  actor: string;
}

export interface ListFilter {
  /** `open` (not resolved, the default), `resolved` or `all`. */
  state?: 'open' | 'resolved' | 'all';
  service?: string;
  limit?: number;
}

/** The open states, in order. */
const OPEN: readonly IncidentStatus[] = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/**
 * The incidents of one stack: every change to one is a transaction that updates the incident only where
 * its version is the one read, appends its timeline events, and queues the deadline jobs it starts.
 */
export class Incidents {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly #store: Pick<Store, 'db' | 'caps'>;
  /** Read at each change, so a reloaded file's severities apply to the next one. */
  config: StackConfig;
  readonly #queue: Pick<JobQueue, 'enqueue'>;

  constructor(env: {
    store: Pick<Store, 'db' | 'caps'>;
    queue: Pick<JobQueue, 'enqueue'>;
    clock: Clock;
    config: StackConfig;
  }) {
    this.#store = env.store;
    this.db = env.store.db;
    this.#queue = env.queue;
    this.clock = env.clock;
    this.config = env.config;
  }

  policy(severity: string): SeverityPolicy {
    return severityPolicy(this.config, severity);
  }

  async open(input: OpenInput): Promise<Incident> {
    return this.#transaction((trx) => this.#open(trx, input));
  }

  /**
   * A firing alert: attached to the open incident on its service if there is one, else opening one when
   * `incidents.open_on` matches it. An alert is attached once however many nodes see it: the attachment
   * is the alert's primary key, so a second writer's transaction rolls back.
   */
  async alertFired(alert: AlertSignal): Promise<{ incident: Incident; opened: boolean } | undefined> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const attached = await trx
          .selectFrom('incident_alerts')
          .select('incident_id')
          .where('alert_id', '=', alert.id)
          .executeTakeFirst();
        if (attached) return undefined;
        const now = this.clock.now();
        let incident = alert.service ? await openOn(trx, alert.service) : undefined;
        let opened = false;
        if (!incident) {
          if (!opensIncident(this.config, alert)) return undefined;
          const severity = incidentSeverityOf(this.config, alert.severity);
          incident = await this.#open(trx, {
            title: `${alert.name}: ${alert.summary}`,
            severity,
            services: alert.service ? [alert.service] : [],
            message: `Investigating: ${alert.summary}`,
            actor: `alert:${alert.id}`,
          });
          opened = true;
        }
        const inserted = await trx
          .insertInto('incident_alerts')
          .values({ alert_id: alert.id, incident_id: incident.id, attached_at: now })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new AlreadyAttached();
        await appendEvents(trx, [
          {
            incidentId: incident.id,
            at: now,
            type: 'alert.firing',
            actor: `alert:${alert.id}`,
            text: `${alert.name}: ${alert.summary}`,
            data: { alert: alert.id, key: alert.key, severity: alert.severity },
            key: `alert:${alert.id}:firing`,
          },
        ]);
        return { incident, opened };
      });
    } catch (error) {
      if (error instanceof AlreadyAttached) return undefined;
      throw error;
    }
  }

  /** An attached alert resolved: its timeline says so, once. */
  async alertResolved(alertId: number, summary: string, at: number): Promise<boolean> {
    const link = await this.db
      .selectFrom('incident_alerts')
      .select('incident_id')
      .where('alert_id', '=', alertId)
      .executeTakeFirst();
    if (!link) return false;
    const written = await appendEvents(this.db, [
      {
        incidentId: Number(link.incident_id),
        at,
        type: 'alert.resolved',
        actor: `alert:${alertId}`,
        text: summary,
        data: { alert: alertId },
        key: `alert:${alertId}:resolved`,
      },
    ]);
    return written > 0;
  }

  async acknowledge(id: number, actor: string): Promise<Incident> {
    return this.#change(id, async (trx, incident, now) => {
      if (incident.acknowledgedAt !== null)
        throw new DayshiftError(
          'INCIDENT_STATE_CONFLICT',
          `incident ${id} was acknowledged by ${incident.acknowledgedBy} already`,
        );
      const policy = knownPolicy(this.config, incident.severity);
      const events: NewIncidentEvent[] = [{ incidentId: id, at: now, type: 'acknowledged', actor }];
      const due = incident.openedAt + (policy?.respondWithin ?? Number.POSITIVE_INFINITY);
      if (now <= due) events.push(deadlineMet(id, 'respond', due, now));
      await appendEvents(trx, events);
      return { acknowledged_at: now, acknowledged_by: actor, assignee: incident.assignee ?? actor };
    });
  }

  async assign(id: number, person: string, actor: string): Promise<Incident> {
    return this.#change(id, async (trx, _incident, now) => {
      await appendEvents(trx, [{ incidentId: id, at: now, type: 'assigned', actor, text: person }]);
      return { assignee: person };
    });
  }

  async setSeverity(id: number, severity: string, actor: string): Promise<Incident> {
    this.policy(severity);
    return this.#change(id, async (trx, incident, now) => {
      if (incident.severity === severity) return {};
      await appendEvents(trx, [
        {
          incidentId: id,
          at: now,
          type: 'severity',
          actor,
          text: `${incident.severity} → ${severity}`,
          data: { from: incident.severity, to: severity },
        },
      ]);
      return { severity };
    });
  }

  /**
   * Posts a status update, public: it appears on the status page and goes to the incident's notifiers.
   * With `status`, the incident moves to it (`resolved` resolves it). Impact and ETA, when given, replace
   * the incident's.
   */
  async update(
    id: number,
    input: { text: string; status?: IncidentStatus; impact?: string; eta?: string; actor: string },
  ): Promise<Incident> {
    if (input.status === 'resolved') return this.resolve(id, { text: input.text, actor: input.actor });
    return this.#change(
      id,
      async (trx, incident, now) => {
        const events: NewIncidentEvent[] = [];
        const moved = input.status !== undefined && input.status !== incident.status;
        events.push({
          incidentId: id,
          at: now,
          type: moved ? 'status' : 'update',
          actor: input.actor,
          public: true,
          text: input.text,
          data: moved ? { from: incident.status, to: input.status } : { status: incident.status },
        });
        const policy = knownPolicy(this.config, incident.severity);
        if (policy?.updateEvery !== undefined) {
          const due = incident.lastUpdateAt + policy.updateEvery;
          if (now <= due) events.push(deadlineMet(id, 'update', due, now));
          await this.#deadline(trx, { incident: id, deadline: 'update', due: now + policy.updateEvery });
        }
        await appendEvents(trx, events);
        return {
          last_update_at: now,
          ...(input.status ? { status: input.status } : {}),
          ...(input.impact !== undefined ? { impact: input.impact } : {}),
          ...(input.eta !== undefined ? { eta: input.eta } : {}),
        };
      },
      { post: true },
    );
  }

  /** An internal note: on the timeline, never on the status page, never sent to notifiers. */
  async note(id: number, text: string, actor: string): Promise<Incident> {
    return this.#change(
      id,
      async (trx, _incident, now) => {
        await appendEvents(trx, [{ incidentId: id, at: now, type: 'note', actor, text }]);
        return {};
      },
      { resolvedToo: true },
    );
  }

  async resolve(id: number, input: { text?: string; actor: string }): Promise<Incident> {
    return this.#change(
      id,
      async (trx, incident, now) => {
        const events: NewIncidentEvent[] = [
          {
            incidentId: id,
            at: now,
            type: 'resolved',
            actor: input.actor,
            public: true,
            text: input.text ?? 'Resolved.',
            data: { from: incident.status },
          },
        ];
        const policy = knownPolicy(this.config, incident.severity);
        if (policy?.resolveWithin !== undefined) {
          const due = incident.openedAt + policy.resolveWithin;
          if (now <= due) events.push(deadlineMet(id, 'resolve', due, now));
        }
        await appendEvents(trx, events);
        return { status: 'resolved', resolved_at: now, resolved_by: input.actor, last_update_at: now };
      },
      { post: true },
    );
  }

  async get(id: number): Promise<Incident> {
    const incident = await readIncident(this.db, id);
    if (!incident) throw notFound(id);
    return incident;
  }

  async show(id: number): Promise<{ incident: Incident; timeline: IncidentEvent[] }> {
    const incident = await this.get(id);
    return { incident, timeline: await readTimeline(this.db, id) };
  }

  /** Newest first. */
  async list(filter: ListFilter = {}): Promise<Incident[]> {
    let query = this.db.selectFrom('incidents').selectAll();
    const state = filter.state ?? 'open';
    if (state === 'open') query = query.where('status', 'in', OPEN);
    if (state === 'resolved') query = query.where('status', '=', 'resolved');
    const { service } = filter;
    if (service) query = query.where('services', 'like', `%${JSON.stringify(service)}%`);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    const incidents = rows.map(toIncident);
    // The pattern's `_` matches any character: the parsed list decides.
    return service ? incidents.filter((i) => i.services.includes(service)) : incidents;
  }

  async #open(trx: Kysely<Database>, input: OpenInput): Promise<Incident> {
    const policy = this.policy(input.severity);
    const services = [...new Set(input.services ?? [])];
    for (const service of services)
      if (!Object.hasOwn(this.config.services, service))
        throw new DayshiftError('SERVICE_NOT_FOUND', `no service "${service}" in the stack file`, {
          hint: `services: ${Object.keys(this.config.services).join(', ')}`,
        });
    const now = this.clock.now();
    const row = await trx
      .insertInto('incidents')
      .values({
        title: input.title,
        severity: input.severity,
        status: 'investigating',
        services: JSON.stringify(services),
        impact: input.impact ?? null,
        eta: input.eta ?? null,
        opened_at: now,
        opened_by: input.actor,
        last_update_at: now,
        escalation: JSON.stringify({ step: 0, round: 0 }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const incident = toIncident(row);
    await appendEvents(trx, [
      {
        incidentId: incident.id,
        at: now,
        type: 'opened',
        actor: input.actor,
        public: true,
        text: input.message ?? input.title,
        data: { severity: input.severity, services },
      },
    ]);
    await this.#deadline(trx, {
      incident: incident.id,
      deadline: 'respond',
      due: now + policy.respondWithin,
    });
    if (policy.updateEvery !== undefined)
      await this.#deadline(trx, { incident: incident.id, deadline: 'update', due: now + policy.updateEvery });
    if (policy.resolveWithin !== undefined)
      await this.#deadline(trx, {
        incident: incident.id,
        deadline: 'resolve',
        due: now + policy.resolveWithin,
      });
    await this.#post(trx, incident);
    return incident;
  }

  /**
   * Sends the incident as it now stands, rendered from the communication template, to its severity's
   * notifiers and `incidents.notify`: once per change (the key holds the incident's version).
   */
  async #post(trx: Kysely<Database>, incident: Incident): Promise<void> {
    const notifiers = knownPolicy(this.config, incident.severity)?.notify ?? [];
    if (notifiers.length === 0) return;
    const text = renderIncident(
      incident,
      await readTimeline(trx, incident.id),
      this.config.incidents?.template,
    );
    const title = `[${incident.status.toUpperCase()}] INCIDENT #${incident.id}: ${incident.title} (${incident.severity})`;
    for (const notifier of notifiers)
      await queueIncidentMessage(this.#queue, trx, {
        incident: incident.id,
        notifier,
        event: 'update',
        key: `post:${incident.id}:${incident.version}:${notifier}`,
        title,
        text,
      });
  }

  /** Queues a deadline in the change's transaction: it exists exactly when the change committed. */
  async #deadline(trx: Kysely<Database>, payload: DeadlinePayload): Promise<void> {
    await queueDeadline(this.#queue, trx, payload);
  }

  /** Reads the incident, applies `change`, and writes the columns it returns where the version still holds. */
  async #change(
    id: number,
    change: (
      trx: Kysely<Database>,
      incident: Incident,
      now: number,
    ) => Promise<Partial<Record<string, unknown>>>,
    options: { resolvedToo?: boolean; post?: boolean } = {},
  ): Promise<Incident> {
    return this.#transaction(async (trx) => {
      const incident = await readIncident(trx, id);
      if (!incident) throw notFound(id);
      if (incident.status === 'resolved' && !options.resolvedToo)
        throw new DayshiftError('INCIDENT_STATE_CONFLICT', `incident ${id} is resolved`, {
          hint: 'open a new incident, or add a note with `dayshift incident note`',
        });
      const now = this.clock.now();
      const columns = await change(trx, incident, now);
      const row = await trx
        .updateTable('incidents')
        .set({ ...columns, version: incident.version + 1 })
        .where('id', '=', id)
        .where('version', '=', incident.version)
        .returningAll()
        .executeTakeFirst();
      if (!row)
        throw new DayshiftError('INCIDENT_STATE_CONFLICT', `incident ${id} changed meanwhile`, {
          hint: 'read it again with `dayshift incident show` and retry',
        });
      const changed = toIncident(row);
      if (options.post) await this.#post(trx, changed);
      return changed;
    });
  }

  /**
   * A transaction that takes the write lock before its first read (SQLite's BEGIN IMMEDIATE), so two
   * processes that read and then decide never both decide, nor deadlock upgrading their locks.
   */
  #transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#store.caps.exclusive(this.#store.db, fn);
  }
}

/** The open incident on a service, the oldest if several. */
async function openOn(db: Kysely<Database>, service: string): Promise<Incident | undefined> {
  // `services` is a JSON array of names: the quoted name narrows the rows, the parse decides.
  const rows = await db
    .selectFrom('incidents')
    .selectAll()
    .where('status', 'in', OPEN)
    .where('services', 'like', `%${JSON.stringify(service)}%`)
    .orderBy('id')
    .execute();
  return rows.map(toIncident).find((i) => i.services.includes(service));
}

function deadlineMet(
  incidentId: number,
  deadline: DeadlinePayload['deadline'],
  due: number,
  at: number,
): NewIncidentEvent {
  return {
    incidentId,
    at,
    type: 'deadline.met',
    actor: 'dayshift',
    text: `${deadline} deadline met`,
    data: { deadline, due },
    key: `deadline:${deadline}:${due}`,
  };
}

function notFound(id: number): DayshiftError {
  return new DayshiftError('INCIDENT_NOT_FOUND', `no incident ${id}`, {
    hint: 'list incidents with `dayshift incident list --all`',
  });
}

class AlreadyAttached extends Error {}
