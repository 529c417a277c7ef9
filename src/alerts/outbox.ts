import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Database } from '../store/schema.js';
import { groupIntervalOf } from './routing.js';

export const DELIVERY_KIND = 'notify.deliver';
/** The most notifications one message carries; more wait for the next. */
export const MAX_PER_DELIVERY = 1_000;

export interface DeliveryPayload {
  notifier: string;
}

/** Notifications not yet settled, on every node: waiting for a delivery, or in one being sent. */
export async function outboxBacklog(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['pending', 'claimed'])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The outbox's events: `idle` when a delivery this node ran left nothing to send. */
export interface OutboxEvents {
  idle: [];
}

/**
 * One node's view of the outbox, for knowing when it is drained. Each delivery job runs inside
 * `delivering`; when the last one in flight here ends and no notification is left pending or claimed
 * (on any node), it emits `idle`. The backlog is counted only while someone listens, so a node that
 * nobody watches pays nothing. A delivery another node ran does not emit here.
 */
export class Outbox extends EventEmitter<OutboxEvents> {
  readonly #db: Kysely<Database>;
  #inFlight = 0;

  constructor(db: Kysely<Database>) {
    super();
    this.#db = db;
  }

  /** Runs one delivery job's work, counting it as in flight until it ends, however it ends. */
  async delivering<T>(work: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0 && this.listenerCount('idle') > 0)
        // A store that cannot answer now says nothing; the next delivery asks again.
        void this.isIdle().then(
          (idle) => idle && this.emit('idle'),
          () => {},
        );
    }
  }

  /** True when nothing is being delivered here and no notification waits or is being sent anywhere. */
  async isIdle(): Promise<boolean> {
    return this.#inFlight === 0 && (await outboxBacklog(this.#db)) === 0;
  }

  /** Settles once the outbox is idle: at once when it is, else at the delivery that drains it. */
  async whenIdle(): Promise<void> {
    let drain = () => {};
    // Listening before asking, so a delivery that drains it meanwhile is not missed.
    const drained = new Promise<void>((resolve) => {
      drain = resolve;
      this.once('idle', drain);
    });
    if (await this.isIdle()) this.off('idle', drain);
    else await drained;
  }
}

/**
 * Queues one delivery job per notifier with notifications waiting, or with a delivery left half-done
 * by a crash. A notifier is sent to at most once per grouping interval: the job runs at the later of
 * now and its last delivery plus the interval, so what fires meanwhile goes out together. The unique
 * key keeps one such job per notifier across every node.
 */
export async function scheduleDeliveries(
  db: Kysely<Database>,
  queue: JobQueue,
  config: StackConfig,
  now: number,
): Promise<number> {
  const [waiting, unfinished] = await Promise.all([
    db
      .selectFrom('notifications')
      .select('notifier')
      .where('status', '=', 'pending')
      .groupBy('notifier')
      .execute(),
    db
      .selectFrom('deliveries')
      .select('notifier')
      .where('status', '=', 'sending')
      .groupBy('notifier')
      .execute(),
  ]);
  const resume = new Set(unfinished.map((r) => r.notifier));
  const notifiers = new Set([...waiting.map((r) => r.notifier), ...resume]);
  let scheduled = 0;
  for (const notifier of notifiers) {
    let runAt = now;
    if (!resume.has(notifier)) {
      const last = await db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.max('created_at').as('at'))
        .where('notifier', '=', notifier)
        .executeTakeFirst();
      if (last?.at != null) runAt = Math.max(now, Number(last.at) + groupIntervalOf(config, notifier));
    }
    const job = await queue.enqueue(DELIVERY_KIND, { notifier } satisfies DeliveryPayload, {
      uniqueKey: `notify:${notifier}`,
      runAt,
    });
    if (job) scheduled++;
  }
  return scheduled;
}

export interface ClaimedDelivery {
  id: string;
  notifier: string;
  /** True when this is a delivery a crash left unfinished, sent again with the same id. */
  resumed: boolean;
  attempts: number;
  createdAt: number;
}

/**
 * The delivery to send now for a notifier: one a crash left unfinished (same id, same notifications),
 * or a new one claiming every waiting notification. Undefined when there is nothing to send.
 */
export async function claimDelivery(
  db: Kysely<Database>,
  notifier: string,
  now: number,
): Promise<ClaimedDelivery | undefined> {
  return db.transaction().execute(async (trx) => {
    const unfinished = await trx
      .selectFrom('deliveries')
      .selectAll()
      .where('notifier', '=', notifier)
      .where('status', '=', 'sending')
      .orderBy('created_at')
      .executeTakeFirst();
    if (unfinished) {
      await trx
        .updateTable('deliveries')
        .set({ attempts: unfinished.attempts + 1 })
        .where('id', '=', unfinished.id)
        .execute();
      return {
        id: unfinished.id,
        notifier,
        resumed: true,
        attempts: unfinished.attempts + 1,
        createdAt: Number(unfinished.created_at),
      };
    }
    const ids = (
      await trx
        .selectFrom('notifications')
        .select('id')
        .where('notifier', '=', notifier)
        .where('status', '=', 'pending')
        .orderBy('id')
        .limit(MAX_PER_DELIVERY)
        .execute()
    ).map((r) => Number(r.id));
    if (ids.length === 0) return undefined;
    const id = randomUUID();
    await trx
      .insertInto('deliveries')
      .values({ id, notifier, status: 'sending', alerts: ids.length, attempts: 1, created_at: now })
      .execute();
    // Only rows still pending are taken, so a notification is in one delivery however many nodes race.
    await trx
      .updateTable('notifications')
      .set({ status: 'claimed', delivery_id: id })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
    return { id, notifier, resumed: false, attempts: 1, createdAt: now };
  });
}

export async function finishDelivery(
  db: Kysely<Database>,
  deliveryId: string,
  outcome:
    | { status: 'sent'; at: number; receiptStatus?: number; receiptDetail?: string }
    | { status: 'failed'; error: string }
    | { status: 'retrying'; error: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (outcome.status === 'retrying') {
      await trx
        .updateTable('deliveries')
        .set({ last_error: outcome.error })
        .where('id', '=', deliveryId)
        .execute();
      return;
    }
    await trx
      .updateTable('deliveries')
      .set(
        outcome.status === 'sent'
          ? {
              status: 'sent',
              sent_at: outcome.at,
              receipt_status: outcome.receiptStatus ?? null,
              receipt_detail: outcome.receiptDetail ?? null,
            }
          : { status: 'failed', last_error: outcome.error },
      )
      .where('id', '=', deliveryId)
      .execute();
    await trx
      .updateTable('notifications')
      .set({ status: outcome.status })
      .where('delivery_id', '=', deliveryId)
      .execute();
  });
}
