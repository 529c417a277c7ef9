import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { TokenService } from '../access/tokens.js';
import { Alerting } from '../alerts/alerting.js';
import { Outbox } from '../alerts/outbox.js';
import { scheduleBackups, settleStoppedBackupRuns } from '../backup/jobs.js';
import { openBackups } from '../backup/open.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { scheduleHistoryMaintenance } from '../history/maintenance-job.js';
import { JobQueue } from '../jobs/queue.js';
import { Scheduler } from '../jobs/scheduler.js';
import { Worker } from '../jobs/worker.js';
import type { Logger } from '../log/logger.js';
import { baseDirOf } from '../monitor/configured-checks.js';
import { Monitor } from '../monitor/monitor.js';
import { buildServer } from '../server/app.js';
import { backupSeries } from '../server/backup-metrics.js';
import { addCheckMetrics } from '../server/check-metrics.js';
import { createMetrics } from '../server/metrics.js';
import { openStore, type Store, type StoreOptions } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';
import { VERSION } from '../version.js';
import { allJobKinds, REQUESTABLE_KINDS } from './job-kinds.js';

export interface NodeOptions {
  store: StoreOptions;
  /** `host:port`; the default binds loopback only. */
  listen: string;
  logger: Logger;
  clock?: Clock;
  concurrency?: number;
  metricsPublic?: boolean;
  /** How long a stop waits for running jobs before putting them back in the queue. */
  shutdownDeadlineMs?: number;
  schedulerTickMs?: number;
  /** How long a job's lease lasts before another node may take it over (default 30 s). */
  jobLeaseMs?: number;
  /** How often alerts are reconciled with check states and rules (default 500 ms). */
  alertTickMs?: number;
  /** The stack file and its path: its checks run on this node's timer. */
  stack?: { config: StackConfig; configPath: string };
}

export interface RunningNode {
  readonly nodeId: string;
  readonly address: string;
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly monitor: Monitor | undefined;
  /** Alerting on this node (its engine and outbox), when it runs a stack file. */
  readonly alerts: Alerting | undefined;
  stop(reason: string): Promise<{ finished: number; released: number }>;
}

/** One Dayshift node: store, queue, worker, scheduler and the HTTP API, started in that order. */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const nodeId = `${hostname()}:${process.pid}`;

  const store = await openStore(options.store);
  const migrated = await store.migrate();
  if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'store migrated');
  logger.info({ store: store.description }, 'store ready');

  const baseDir = options.stack ? baseDirOf(options.stack.configPath) : process.cwd();
  const backups = options.stack
    ? openBackups(options.stack.config, options.stack.configPath, store.db, {
        clock,
        logger: logger.child({ component: 'backups' }),
      })
    : undefined;
  const outbox = options.stack ? new Outbox(store.db) : undefined;
  const kinds = allJobKinds({
    delivery:
      options.stack && outbox
        ? { db: store.db, config: options.stack.config, baseDir, clock, outbox }
        : undefined,
    backups,
  });
  const queue = new JobQueue(store, { clock, kinds });
  const worker = new Worker(queue, kinds, {
    nodeId,
    concurrency: options.concurrency,
    leaseMs: options.jobLeaseMs,
    clock,
    logger: logger.child({ component: 'worker' }),
  });
  worker.on('error', (error: unknown) => logger.error({ err: error }, 'worker background failure'));
  const schedulerTickMs = options.schedulerTickMs ?? 1_000;
  const scheduler = new Scheduler(queue, {
    clock,
    tickMs: schedulerTickMs,
    logger: logger.child({ component: 'scheduler' }),
  });
  const tokens = new TokenService(store, { clock });
  const metrics = createMetrics({ queue, worker, version: VERSION });
  const monitor = options.stack
    ? new Monitor({
        store,
        config: options.stack.config,
        baseDir,
        clock,
        nodeId,
        logger: logger.child({ component: 'checks' }),
      })
    : undefined;
  const alerts = options.stack
    ? new Alerting({
        db: store.db,
        config: options.stack.config,
        queue,
        clock,
        logger: logger.child({ component: 'alerts' }),
        monitor,
        tickMs: options.alertTickMs,
        outbox,
      })
    : undefined;
  const storeSeries = [
    ...(monitor ? [addCheckMetrics(metrics.registry, store.db, monitor)] : []),
    ...(backups ? [backupSeries(backups)] : []),
  ];

  const server = await buildServer({
    store,
    queue,
    tokens,
    metrics,
    logger,
    version: VERSION,
    clock,
    scheduler: {
      get lastTickAt() {
        return scheduler.lastTickAt;
      },
      tickMs: schedulerTickMs,
    },
    metricsPublic: options.metricsPublic,
    requestableKinds: REQUESTABLE_KINDS,
    monitor,
    alerts,
    storeSeries,
    backups,
    historyRetention: options.stack?.config.history,
  });

  const { host, port } = parseListen(options.listen);
  const address = await server.listen({ host, port });
  worker.start();
  scheduler.start();
  const unbindHistory = options.stack
    ? await scheduleHistoryMaintenance(scheduler, { store, clock, retention: options.stack.config.history })
    : undefined;
  if (backups) {
    await scheduleBackups(scheduler, backups, logger);
    // A repository that cannot be read now is no reason not to serve; the next start tries again.
    await settleStoppedBackupRuns(queue, backups, logger).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not settle the runs of stopped backups'),
    );
  }
  if (monitor) {
    await monitor.start();
    logger.info({ checks: monitor.checks.length, held: monitor.held.size }, 'checks scheduled');
  }
  alerts?.start();
  logger.info({ address, nodeId, version: VERSION }, 'dayshift serving');

  if ((await tokens.countActive()) === 0) {
    logger.warn(
      'no API tokens exist yet, so every /api route answers 401. Create one with: dayshift token create --role admin --name <your-name>',
    );
  }

  let stopping: Promise<{ finished: number; released: number }> | undefined;
  return {
    nodeId,
    address,
    store,
    server,
    monitor,
    alerts,
    stop(reason: string) {
      stopping ??= (async () => {
        logger.info({ reason }, 'stopping: no new work is claimed');
        await scheduler.stop();
        await monitor?.stop();
        await alerts?.stop();
        unbindHistory?.();
        const outcome = await worker.stop({ deadlineMs: options.shutdownDeadlineMs ?? 30_000 });
        logger.info(outcome, 'worker stopped');
        await server.close();
        await store.close();
        return outcome;
      })();
      return stopping;
    },
  };
}

/** Accepts `port`, `host:port` and `[v6]:port`. */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+))?:?(\d+)$/.exec(listen.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DayshiftError('BAD_REQUEST', `--listen "${listen}" is not host:port`, {
      hint: 'use for example 127.0.0.1:7070',
    });
  }
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port };
}
