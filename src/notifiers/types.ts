import type { z } from 'zod';
import { DayshiftError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PluginDefinition } from '../schema/plugin.js';

/** What happened to an alert that a notification tells about. */
export type AlertEvent =
  /** It started firing (after its `for:`), or flapping damping began. */
  | 'firing'
  /** Still firing and not acknowledged: the `repeat:` reminder. */
  | 'reminder'
  /** Someone acknowledged it; reminders stop (PagerDuty: acknowledge). */
  | 'acknowledged'
  /** It is no longer true. */
  | 'resolved'
  /** `dayshift notify test <notifier>`. */
  | 'test'
  /** A runbook's `notify:` step: its message, about its run. */
  | 'message'
  /** The runbook started for it failed: the alert needs a person now. */
  | 'escalated';

/** One alert as a notification carries it: plain data, already free of secrets. */
export interface NotifiedAlert {
  /** The alert row's id (`dayshift alerts show <id>`). */
  id: number;
  /** The deduplication key: `check:backend.health`, `rule:api-slow`, `backup:db:missed`... PagerDuty's dedup_key. */
  key: string;
  event: AlertEvent;
  /** A short name: the rule's name, or `backend.health` for a check. */
  name: string;
  /** Where it comes from: its origin (`test` for `dayshift notify test`). */
  origin: 'check' | 'rule' | 'missed' | 'delivery' | 'backup' | 'deploy' | 'test' | 'runbook' | 'incident';
  severity: string;
  /** The alert's state when the notification was made. */
  state: 'pending' | 'firing' | 'resolved';
  /** True when the alert is held as one flapping alert instead of notifying every flip. */
  flapping: boolean;
  service?: string;
  check?: string;
  rule?: string;
  /**
   * One line: why it fires ("status == 200 failed: got 503", "p95(backend.health.latency, 5m) = 1.4s > 1s"),
   * or, for a `resolved` event, what recovered ("backend.health is healthy again after 12m").
   */
  summary: string;
  /** On a `resolved` event: the summary it fired with, so a receiver can show both. */
  firingSummary?: string;
  description?: string;
  labels: Record<string, string>;
  /** The value that crossed the threshold, when there is one. */
  value?: number | string | null;
  /** ISO-8601 times. */
  startedAt: string;
  firedAt?: string;
  resolvedAt?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  /**
   * The runbooks started for it (`on: { alert }`): each run's id (null when it was refused), its
   * status (`running`, `succeeded`, `failed`, `cancelled`, `refused: ...`) and where the API shows it.
   */
  remediation?: Array<{ runbook: string; runId: number | null; status: string; url: string | null }>;
}

/**
 * One message to one notifier: a single alert, or a digest of every alert that changed within the
 * notifier's grouping interval. `title`, `text` and `html` are already rendered from the templates.
 */
export interface Notification {
  /**
   * The delivery id: the same on every retry of this delivery, so a receiver can drop a duplicate after a
   * crash between sending and recording (webhook header `X-Dayshift-Delivery`, email `Message-ID`).
   */
  deliveryId: string;
  /** The stack's name from dayshift.yaml. */
  stack: string;
  /** One alert, or several for a digest. Never empty. */
  alerts: NotifiedAlert[];
  title: string;
  text: string;
  html: string;
  /** ISO-8601 time the notification was made. */
  createdAt: string;
}

export interface SendContext {
  /** The notifier's name in dayshift.yaml (Alertmanager's `receiver`). */
  notifier: string;
  /** Aborts when the delivery times out or the node shuts down. */
  signal: AbortSignal;
  /** The stack file's folder, for relative paths (a `command` notifier's program). */
  baseDir: string;
  logger: Logger;
}

/** What a receiver said, kept on the delivery row so `dayshift alerts show` can show it. */
export interface SendReceipt {
  /** HTTP status, SMTP response code, exit code... */
  status?: number;
  /** A short note: an SMTP response line, a PagerDuty dedup_key. Never a secret. */
  detail?: string;
}

/**
 * A delivery that failed. `retryable: false` (a 400 or 404 from the receiver, a bad address) ends the
 * retries at once; everything else is retried with backoff. The message must not contain a secret.
 */
export class DeliveryError extends DayshiftError {
  readonly retryable: boolean;
  readonly status?: number;
  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super('DELIVERY_FAILED', message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/** A notifier kind: its options schema and how it sends. One file per kind in this folder. */
export interface NotifierKindDefinition<S extends z.ZodType = z.ZodType> extends PluginDefinition {
  options: S;
  send(options: z.output<S>, notification: Notification, context: SendContext): Promise<SendReceipt>;
}
