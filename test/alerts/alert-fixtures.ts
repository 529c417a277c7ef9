import type { Kysely } from 'kysely';
import { Alerting } from '../../src/alerts/alerting.js';
import { quietPass } from '../../src/alerts/engine.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/index.js';
import type { Database } from '../../src/store/schema.js';
import type { Clock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { within } from '../helpers/wait.js';

/** A stack with a few checks, two notifiers and the alerting settings the lifecycle tests need. */
export const ALERT_STACK = `
version: 1
stack: shop
services:
  backend:
    checks:
      health:
        tcp: { host: 127.0.0.1, port: 9 }
        severity: critical
        notify: [ops, oncall]
        repeat: 1h
        labels: { team: web }
  worker:
    checks:
      backlog:
        tcp: { host: 127.0.0.1, port: 9 }
  db:
    checks:
      ready: { tcp: { host: 127.0.0.1, port: 9 } }
  cron:
    checks:
      nightly: { heartbeat: { period: 1m, grace: 1m } }
alerting:
  repeat: 0s
  flapping: { changes: 4, window: 10m }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
  oncall: { webhook: { url: "http://127.0.0.1:9/oncall" }, severities: [critical, high] }
maintenance:
  - { name: nightly-vacuum, schedule: "0 2 * * *", duration: 1h, services: [db] }
`;

export function alertingFor(store: Store, clock: Clock, yaml = ALERT_STACK): Alerting {
  const { config } = stackFrom(yaml);
  return new Alerting({
    db: store.db,
    config,
    queue: new JobQueue(store, { clock }),
    clock,
    logger: silentLogger(),
  });
}

/** Puts a check in a state as the monitor would: its state row and a transition. */
export async function setState(
  db: Kysely<Database>,
  checkId: string,
  state: string,
  at: number,
  reason = `${state} for the test`,
  lastResult: unknown = null,
): Promise<void> {
  const before = await db
    .selectFrom('check_states')
    .select('state')
    .where('check_id', '=', checkId)
    .executeTakeFirst();
  const row = {
    check_id: checkId,
    state,
    since: at,
    monitored_since: at,
    failures: state === 'unhealthy' ? 3 : 0,
    successes: state === 'healthy' ? 1 : 0,
    last_at: at,
    last_outcome: state === 'healthy' ? 'pass' : 'fail',
    last_latency_ms: 1,
    last_reason: reason,
    last_result: lastResult === null ? null : JSON.stringify(lastResult),
    updated_at: at,
  };
  await db
    .insertInto('check_states')
    .values(row)
    .onConflict((oc) => oc.column('check_id').doUpdateSet(row))
    .execute();
  await db
    .insertInto('check_transitions')
    .values({
      check_id: checkId,
      at,
      from_state: before?.state ?? 'starting',
      to_state: state,
      reason,
      node: 'test',
    })
    .execute();
}

/** What the alert's resolve said had recovered: the detail of its resolved event. */
export async function recoveryLine(
  db: Kysely<Database>,
  alertId: number | undefined,
): Promise<string | null> {
  const row = await db
    .selectFrom('alert_events')
    .select('detail')
    .where('alert_id', '=', alertId ?? -1)
    .where('type', '=', 'resolved')
    .executeTakeFirst();
  return row?.detail ?? null;
}

export async function notificationsOf(db: Kysely<Database>, alertId?: number) {
  let query = db.selectFrom('notifications').selectAll().orderBy('id');
  if (alertId !== undefined) query = query.where('alert_id', '=', alertId);
  return query.execute();
}

/**
 * Waits until a node's alerting has nothing left to do: its outbox is drained, then an engine pass
 * begun after that changed nothing and queued nothing, and the outbox is still drained. Whatever has
 * not been sent by then will not be, until something new happens (a check changes state, a reminder
 * falls due): this is what a test awaits before asserting that nothing more was sent.
 */
export async function alertingSettled(alerting: Alerting | undefined, timeoutMs = 30_000): Promise<void> {
  if (!alerting) throw new Error('this node runs no alerting: it was started without a stack file');
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.max(1, deadline - performance.now());
  for (;;) {
    await within(alerting.outbox.whenIdle(), 'the outbox to drain', left());
    const pass = await within(alerting.engine.whenIdle(), 'an idle alert pass', left());
    if (quietPass(pass) && (await alerting.outbox.isIdle())) return;
  }
}
