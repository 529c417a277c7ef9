import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import { notifierKinds } from '../notifiers/registry.js';
import { DeliveryError, type Notification, type NotifierKindDefinition } from '../notifiers/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { escapeHtml } from '../util/html.js';
import { ownValue } from '../util/own.js';
import { appendEvents, readIncident } from './records.js';
import type { Incident } from './types.js';

/** The job that sends one incident message (a posted update, an escalation page) to one notifier. */
export const INCIDENT_MESSAGE_KIND = 'incident.notify';

/** Attempts before a message is given up; the failure is then on the incident's timeline. */
const ATTEMPTS = 8;

export interface IncidentMessage {
  incident: number;
  notifier: string;
  /** `update`: a posted update; `escalated`: an escalation step paging someone; `deadline`: a reminder. */
  event: 'escalated' | 'update' | 'deadline';
  /** Unique per message: the delivery id receivers use to drop a repeat, and the `notified` event's key. */
  key: string;
  title: string;
  text: string;
}

/** Queues a message in the transaction of the change that makes it, so it exists exactly when that commits. */
export async function queueIncidentMessage(
  queue: Pick<JobQueue, 'enqueue'>,
  db: Kysely<Database>,
  message: IncidentMessage,
): Promise<void> {
  await queue.enqueue(INCIDENT_MESSAGE_KIND, message, { uniqueKey: `incident-message:${message.key}` }, db);
}

export interface IncidentMessageContext {
  db: Kysely<Database>;
  /** Read at each send, so a reload's notifiers apply to the next message. */
  config: StackConfig;
  baseDir: string;
  clock: Clock;
}

/**
 * Sends the message, retried with backoff (2 s doubling to 5 min). Each outcome, sent or given up, is a
 * `notified` event on the incident's timeline, written once.
 */
export function incidentMessageKind(context: IncidentMessageContext): JobKind<IncidentMessage> {
  return {
    kind: INCIDENT_MESSAGE_KIND,
    retry: { maxAttempts: ATTEMPTS, baseMs: 2_000, maxMs: 300_000, jitter: 0.1 },
    timeoutMs: 60_000,
    async handler({ job, signal, logger }) {
      const message = job.payload;
      const incident = await readIncident(context.db, message.incident);
      if (!incident) return { skipped: `incident ${message.incident} is gone` };
      const definition = ownValue(context.config.notifiers, message.notifier);
      const record = (status: 'sent' | 'failed', detail: string) =>
        appendEvents(context.db, [
          {
            incidentId: incident.id,
            at: context.clock.now(),
            type: 'notified',
            actor: 'dayshift',
            text: `${message.event} ${status === 'sent' ? 'sent to' : 'could not reach'} ${message.notifier}${status === 'failed' ? `: ${detail}` : ''}`,
            data: { notifier: message.notifier, event: message.event, status, detail },
            key: `notified:${message.key}`,
          },
        ]);
      if (!definition) {
        await record('failed', 'the notifier is no longer in the stack file');
        return { status: 'failed' };
      }
      const kind = notifierKinds[definition.kind] as NotifierKindDefinition;
      try {
        const receipt = await kind.send(
          definition.options,
          incidentNotification(incident, message, context.config.stack, context.clock.now()),
          { notifier: message.notifier, signal, baseDir: context.baseDir, logger },
        );
        await record('sent', receipt.detail ?? String(receipt.status ?? 'ok'));
        return { status: 'sent', receipt };
      } catch (error) {
        const retryable = !(error instanceof DeliveryError) || error.retryable;
        const detail = error instanceof Error ? error.message : String(error);
        if (retryable && job.attempts < job.maxAttempts) throw error;
        await record('failed', detail);
        throw new DayshiftError(
          'DELIVERY_FAILED',
          `could not send ${message.key} to ${message.notifier}: ${detail}`,
          {
            cause: error,
          },
        );
      }
    },
  };
}

/** The message as notifiers take it: one alert-shaped entry of origin `incident`, whose id is the incident's. */
export function incidentNotification(
  incident: Incident,
  message: IncidentMessage,
  stack: string | undefined,
  now: number,
): Notification {
  const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
  return {
    deliveryId: `incident-${message.key.replace(/[^A-Za-z0-9.-]/g, '-')}`,
    stack: stack ?? 'dayshift',
    alerts: [
      {
        id: incident.id,
        key: `incident:${incident.id}`,
        event: message.event === 'escalated' ? 'escalated' : 'message',
        name: incident.title,
        origin: 'incident',
        severity: incident.severity,
        state: incident.status === 'resolved' ? 'resolved' : 'firing',
        flapping: false,
        ...(incident.services[0] ? { service: incident.services[0] } : {}),
        summary: message.title,
        labels: { incident: String(incident.id), severity: incident.severity, status: incident.status },
        value: null,
        startedAt: new Date(incident.openedAt).toISOString(),
        acknowledgedAt: iso(incident.acknowledgedAt),
        acknowledgedBy: incident.acknowledgedBy ?? undefined,
        resolvedAt: iso(incident.resolvedAt),
      },
    ],
    title: message.title,
    text: message.text,
    html: `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(message.text)}</pre>`,
    createdAt: new Date(now).toISOString(),
  };
}
