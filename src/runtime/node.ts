import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { TokenService } from '../access/tokens.js';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { openFeatures } from '../features/open.js';
import type { FeatureDefinition, StackContext } from '../features/types.js';
import { JobQueue } from '../jobs/queue.js';
import { Scheduler } from '../jobs/scheduler.js';
import { Worker } from '../jobs/worker.js';
import type { Logger } from '../log/logger.js';
import { baseDirOf } from '../monitor/configured-checks.js';
import { monitorFeature } from '../monitor/feature.js';
import type { Monitor } from '../monitor/monitor.js';
import { buildServer } from '../server/app.js';
import { createMetrics } from '../server/metrics.js';
import { openStore, type Store, type StoreOptions } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';
import { VERSION } from '../version.js';
import { FEATURES } from './features.js';
import { BUILTIN_JOB_KINDS, REQUESTABLE_KINDS } from './job-kinds.js';

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
  /** The stack file and its path (and hash, recorded for `status`): its checks run on this node's timer. */
  stack?: ServedStack;
  /** How a person runs `dayshift` here, for the commands hints print (default `dayshift`). */
  command?: string;
  /** The features this node runs, in order (default: every feature, `FEATURES`). */
  features?: readonly FeatureDefinition<unknown>[];
}

/** A loaded stack file as a node serves it. */
export interface ServedStack {
  config: StackConfig;
  configPath: string;
  /** SHA-256 of the file and its `.env` as loaded (`LoadResult.hash`). */
  hash?: string;
}

/** What a reload changed, and the features that keep their previous file until a restart. */
export interface ReloadOutcome {
  changes: string[];
  keptUntilRestart: string[];
}

export interface RunningNode {
  readonly nodeId: string;
  readonly address: string;
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly monitor: Monitor | undefined;
  /** What a feature of this node exposes; undefined when it is off or not listed. */
  use<Api>(feature: FeatureDefinition<Api>): Api | undefined;
  /**
   * Serves a reloaded stack file, already validated: each feature that can takes it now (checks,
   * alerting), the others keep the file the node started with. Reloads run one at a time.
   */
  reload(stack: ServedStack): Promise<ReloadOutcome>;
  stop(reason: string): Promise<{ finished: number; released: number }>;
}

/**
 * One Dayshift node: store, queue, the features, worker, scheduler and the HTTP API. The features
 * start once the server listens and the worker runs, in the order of their list; a stop ends the
 * scheduler, then the features in reverse order, then the worker, the server and the store.
 */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const nodeId = `${hostname()}:${process.pid}`;

  const store = await openStore(options.store);
  // Until the node serves, a failure (a migration, a feature's declaration, the port) closes the store.
  const { features, worker, scheduler, tokens, server, address } = await assemble(store, {
    ...options,
    clock,
    nodeId,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });

  let stopping: Promise<{ finished: number; released: number }> | undefined;
  const stop = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'stopping: no new work is claimed');
      await scheduler.stop();
      const failures = await features.stop();
      for (const failure of failures) logger.error({ err: failure }, failure.message);
      const outcome = await worker.stop({ deadlineMs: options.shutdownDeadlineMs ?? 30_000 });
      logger.info(outcome, 'worker stopped');
      await server.close();
      await store.close();
      // The rest of the node stopped all the same; the caller learns that one feature did not.
      if (failures[0]) throw failures[0];
      return outcome;
    })();
    return stopping;
  };

  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (stack: ServedStack): Promise<ReloadOutcome> => {
    const done = reloading.then(() => {
      if (stopping)
        throw new DayshiftError('INTERNAL', 'the node is stopping, so it takes no new stack file', {
          hint: 'start it again to serve the new file',
        });
      return features.reload(stackContextOf(stack));
    });
    reloading = done.catch(() => {});
    return done;
  };

  try {
    for (const { name, feature } of features.opened) {
      for (const schedule of feature.schedules ?? []) await scheduler.define(schedule.name, schedule);
      if (feature.schedules?.length)
        logger.info({ schedules: feature.schedules.length }, `${name} scheduled`);
    }
    await features.start();
  } catch (error) {
    // A node does not serve with part of its features: what started is stopped, then the error is told.
    await stop('start failed').catch((failure: unknown) =>
      logger.error({ err: failure }, 'stop after a failed start failed'),
    );
    throw error;
  }
  logger.info({ address, nodeId, version: VERSION }, 'dayshift serving');

  if ((await tokens.countActive()) === 0) {
    logger.warn(
      `no API tokens exist yet, so every /api route answers 401. Create one with: ${options.command ?? 'dayshift'} token create --role admin --name <your-name>`,
    );
  }

  return {
    nodeId,
    address,
    store,
    server,
    monitor: features.use(monitorFeature),
    use: (feature) => features.use(feature),
    reload,
    stop,
  };
}

/** Everything of a node but its store, listening, with the worker and the scheduler running. */
async function assemble(store: Store, options: NodeOptions & { clock: Clock; nodeId: string }) {
  const { clock, nodeId, logger } = options;
  const migrated = await store.migrate();
  if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'store migrated');
  logger.info({ store: store.description }, 'store ready');

  const queue = new JobQueue(store, { clock });
  const features = openFeatures(options.features ?? FEATURES, {
    nodeId,
    store,
    queue,
    clock,
    logger,
    stack: options.stack && stackContextOf(options.stack),
    settings: { alertTickMs: options.alertTickMs },
  });
  const kinds = [...BUILTIN_JOB_KINDS, ...features.jobKinds];
  queue.addKinds(kinds);
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
    features: features.features,
  });
  const address = await listen(server, options.listen);
  worker.start();
  scheduler.start();
  return { features, worker, scheduler, tokens, server, address };
}

function stackContextOf(stack: ServedStack): StackContext {
  return {
    config: stack.config,
    configPath: stack.configPath,
    baseDir: baseDirOf(stack.configPath),
    ...(stack.hash === undefined ? {} : { hash: stack.hash }),
  };
}

async function listen(server: FastifyInstance, at: string): Promise<string> {
  try {
    return await server.listen(parseListen(at));
  } catch (error) {
    await server.close();
    throw listenError(error, at);
  }
}

const CHOOSE_ANOTHER =
  'choose another address with --listen host:port (or $DAYSHIFT_LISTEN, or server.listen in the stack file)';

/** Why the address cannot be had, in words that name the way out; anything else stays what it was. */
function listenError(error: unknown, at: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new DayshiftError(
      'PORT_IN_USE',
      `cannot listen on ${at}: another program already uses that port; choose another with --listen host:port`,
      {
        hint: 'or stop that program; $DAYSHIFT_LISTEN and server.listen in the stack file set it too',
        cause: error,
      },
    );
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new DayshiftError(
      'BAD_REQUEST',
      `cannot listen on ${at}: ${code === 'EACCES' ? 'permission denied (a port below 1024 needs root)' : 'this machine has no such address'}`,
      { hint: CHOOSE_ANOTHER, cause: error },
    );
  return error;
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
