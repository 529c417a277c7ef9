import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import type { JobKind } from '../jobs/kinds.js';
import type { Logger } from '../log/logger.js';
import { notifierKinds } from '../notifiers/registry.js';
import { renderNotification } from '../notifiers/shared/templates.js';
import { DeliveryError, type Notification, type NotifierKindDefinition } from '../notifiers/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { ownValue } from '../util/own.js';
import { applyStep, openAlert, openAlerts, recoveries, toAlert } from './alert-store.js';
import { notifiedAlert } from './notified.js';
import { claimDelivery, DELIVERY_KIND, type DeliveryPayload, finishDelivery, type Outbox } from './outbox.js';
import { openFor } from './recovery.js';
import { routeTo, severityOr } from './routing.js';
import type { NotificationEvent } from './types.js';

/** Attempts of one delivery before it is failed and the fallback notifier is told. */
export const DELIVERY_ATTEMPTS = 10;

export interface DeliveryContext {
  db: Kysely<Database>;
  config: StackConfig;
  baseDir: string;
  clock: Clock;
  /** The node's outbox, told of each delivery so it can say when it is drained. */
  outbox: Outbox;
}

/**
 * The job that sends a notifier's waiting notifications as one message, retried with backoff (2 s
 * doubling to 5 min, 10 attempts). A node that dies mid-send leaves the delivery `sending`; the next
 * attempt sends it again under the same delivery id, which receivers use to drop the repeat.
 */
export function deliveryJobKind(context: DeliveryContext): JobKind<DeliveryPayload> {
  return {
    kind: DELIVERY_KIND,
    retry: { maxAttempts: DELIVERY_ATTEMPTS, baseMs: 2_000, maxMs: 300_000, jitter: 0.1 },
    timeoutMs: 60_000,
    async handler({ job, signal, logger }) {
      return context.outbox.delivering(() =>
        deliver(context, job.payload.notifier, {
          signal,
          logger,
          finalAttempt: job.attempts >= job.maxAttempts,
        }),
      );
    },
  };
}

export interface DeliveryOutcome {
  delivery?: string;
  alerts?: number;
  status: 'nothing' | 'sent' | 'failed';
  resumed?: boolean;
}

export async function deliver(
  context: DeliveryContext,
  notifier: string,
  run: { signal: AbortSignal; logger: Logger; finalAttempt: boolean },
): Promise<DeliveryOutcome> {
  const { db, config, clock } = context;
  const delivery = await claimDelivery(db, notifier, clock.now());
  if (!delivery) return { status: 'nothing' };
  const definition = ownValue(config.notifiers, notifier);
  if (!definition) {
    await finishDelivery(db, delivery.id, {
      status: 'failed',
      error: `the notifier ${notifier} is no longer in the stack file`,
    });
    return { delivery: delivery.id, status: 'failed' };
  }
  const rows = await db
    .selectFrom('notifications')
    .innerJoin('alerts', 'alerts.id', 'notifications.alert_id')
    .selectAll('alerts')
    .select(['notifications.event as notification_event', 'notifications.id as notification_id'])
    .where('notifications.delivery_id', '=', delivery.id)
    .orderBy('notifications.id')
    .execute();
  const recovered = await recoveries(
    db,
    rows.filter((r) => r.notification_event === 'resolved').map((r) => Number(r.id)),
  );
  const alerts = rows.map((row) =>
    notifiedAlert(toAlert(row), row.notification_event as NotificationEvent, recovered.get(Number(row.id))),
  );
  const notification: Notification = renderNotification(
    {
      deliveryId: delivery.id,
      stack: config.stack ?? 'dayshift',
      alerts,
      createdAt: new Date(delivery.createdAt).toISOString(),
    },
    definition.template,
  );
  const kind = notifierKinds[definition.kind] as NotifierKindDefinition;
  try {
    const receipt = await kind.send(definition.options, notification, {
      notifier,
      signal: run.signal,
      baseDir: context.baseDir,
      logger: run.logger,
    });
    await finishDelivery(db, delivery.id, {
      status: 'sent',
      at: clock.now(),
      receiptStatus: receipt.status,
      receiptDetail: receipt.detail,
    });
    await resolveDeliveryAlert(context, notifier);
    run.logger.info(
      { notifier, delivery: delivery.id, alerts: alerts.length, resumed: delivery.resumed },
      `notified ${notifier} of ${alerts.length} alert event(s)`,
    );
    return { delivery: delivery.id, alerts: alerts.length, status: 'sent', resumed: delivery.resumed };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const retryable = !(error instanceof DeliveryError) || error.retryable;
    if (retryable && !run.finalAttempt && delivery.attempts < DELIVERY_ATTEMPTS) {
      await finishDelivery(db, delivery.id, { status: 'retrying', error: message });
      throw error;
    }
    await finishDelivery(db, delivery.id, { status: 'failed', error: message });
    await raiseDeliveryAlert(context, notifier, message);
    run.logger.error(
      { notifier, delivery: delivery.id, error: message },
      `delivery to ${notifier} failed for good`,
    );
    return { delivery: delivery.id, alerts: alerts.length, status: 'failed' };
  }
}

/** A notifier that cannot be reached raises its own alert on the fallback notifier. */
async function raiseDeliveryAlert(context: DeliveryContext, notifier: string, error: string): Promise<void> {
  const { db, config, clock } = context;
  const fallback = config.alerting.fallback;
  const severity = severityOr(config, 'high', 'most');
  const notify = fallback && fallback !== notifier ? routeTo(config, [fallback], severity) : [];
  const now = clock.now();
  await db.transaction().execute((trx) =>
    openAlert(
      trx,
      {
        key: `delivery:${notifier}`,
        origin: 'delivery',
        name: `notifications to ${notifier} fail`,
        severity,
        summary: `a delivery to ${notifier} failed for good: ${error}`,
        labels: { notifier, severity, origin: 'delivery' },
        notify,
        forMs: 0,
        repeatMs: config.alerting.repeat,
      },
      'firing',
      now,
      undefined,
    ),
  );
}

/** A delivery that went through ends the notifier's own failure alert, if one is open. */
async function resolveDeliveryAlert(context: DeliveryContext, notifier: string): Promise<void> {
  const [open] = (await openAlerts(context.db, [`delivery:${notifier}`])).filter(
    (a) => a.key === `delivery:${notifier}`,
  );
  if (!open) return;
  const now = context.clock.now();
  const recovery = `notifications to ${notifier} are delivered again after ${openFor(open, now)}`;
  await applyStep(context.db, { kind: 'resolve', recovery }, open, undefined, now, undefined);
}
