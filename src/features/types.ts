/**
 * The contract every feature of a node fulfils, so the runtime and the server treat them alike.
 *
 * Glossary
 * - feature: one part of the product a node runs (monitor, history, alerts, backups; later runbooks,
 *   deploys, incidents). Its folder exports one `FeatureDefinition` from its `feature.ts`.
 * - definition: the feature's name and `open(context)`, which builds it for one node; `undefined` when
 *   the node has nothing for it (no stack file).
 * - context: what the node hands a feature instead of globals: its identity, the store, the job queue,
 *   the clock, the stack file, a logger, tuning, and `use()` to reach a feature listed before it.
 * - job kinds: the work the feature queues; every node's worker runs them.
 * - schedules: recurring jobs (cron or interval) the node's scheduler defines when it starts.
 * - routes: a Fastify plugin registered under `/api/v1`; `rootRoutes` for the few URLs outside the API
 *   (heartbeat pings). Access is each route's own `config: { role }` or `config: { public: true }`.
 * - metrics: collectors added to the node's Prometheus registry, and series written as text at scrape time.
 * - reload: takes a reloaded stack file (SIGHUP) without a restart; a feature without it keeps the file
 *   it was opened with until the node restarts.
 * - start / stop: what runs for as long as the node does (the check timer, the alert engine). Features
 *   start in the order of the runtime's list and stop in the reverse order, after the scheduler and
 *   before the worker, the server and the store.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { StackConfig } from '../config/schema.js';
import type { StoreSeries } from '../http/prom-text.js';
import type { JobKind } from '../jobs/kinds.js';
import type { JobQueue } from '../jobs/queue.js';
import type { ScheduleSpec } from '../jobs/scheduler.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';

/** The stack file a node serves, with the directory its relative paths are read from. */
export interface StackContext {
  readonly config: StackConfig;
  readonly configPath: string;
  readonly baseDir: string;
  /** SHA-256 of the file and its `.env` as loaded; the node records it so `status` sees unreloaded edits. */
  readonly hash?: string;
}

/** Tuning a node was started with, for the features that run on a timer. */
export interface FeatureSettings {
  /** How often alerts are reconciled with check states and rules (default 500 ms). */
  readonly alertTickMs?: number;
}

/** What a node gives each feature when it opens it. */
export interface FeatureContext {
  /** This node's identity (`host:pid`), as leases and run records name it. */
  readonly nodeId: string;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly clock: Clock;
  /** The node's logger; a feature takes a child with its own `component`. */
  readonly logger: Logger;
  /** The stack file; absent when the node serves only the queue and the API. */
  readonly stack: StackContext | undefined;
  readonly settings: FeatureSettings;
  /**
   * What a feature listed before this one exposes (its `api`), or undefined when that feature is off on
   * this node. Asking for one listed after, or not listed, is a mistake in the runtime's list and throws.
   */
  use<Api>(feature: FeatureDefinition<Api>): Api | undefined;
}

/** A schedule a feature needs: the scheduler defines it under `name` when the node starts. */
export interface FeatureSchedule extends ScheduleSpec {
  /** Unique across the node's schedules; by convention `<kind>` or `<kind>:<subject>`. */
  readonly name: string;
}

/** One feature as a node runs it. Every part is optional: a feature declares what it has. */
export interface Feature<Api = undefined> {
  /** What later features may reach through `context.use` (the monitor, for alerts). */
  readonly api?: Api;
  readonly jobKinds?: readonly JobKind[];
  readonly schedules?: readonly FeatureSchedule[];
  /** Registered under `/api/v1`: a route written `/checks` answers at `/api/v1/checks`. */
  readonly routes?: FastifyPluginAsync;
  /** Registered at the root, for URLs that are not the API's (heartbeat pings cron jobs call). */
  readonly rootRoutes?: FastifyPluginAsync;
  /**
   * Adds the feature's collectors to the node's Prometheus registry (their `collect` runs at scrape
   * time) and returns the series it writes as text at scrape time, if any.
   */
  metrics?(registry: Registry): StoreSeries | undefined;
  /**
   * Starts what runs for as long as the node does; called once the server listens and the worker runs.
   * One that throws must leave nothing running: the node then stops the features started before it.
   */
  start?(): Promise<void> | void;
  /**
   * Takes a reloaded stack file, already validated, while the node runs; called in list order after
   * the features before it took it. Returns what changed, in words for the log (`2 checks added, 1
   * changed, 0 removed`), or nothing worth saying. A feature without it keeps its file until a restart.
   */
  reload?(stack: StackContext): Promise<string | undefined> | string | undefined;
  /**
   * Stops it, writing what it holds. Called before the worker drains, so the node lets go of its checks
   * at once; what job handlers use must therefore stay usable until the store closes.
   */
  stop?(): Promise<void> | void;
}

/** What a feature's `feature.ts` exports. */
export interface FeatureDefinition<Api = undefined> {
  /** Names the feature in logs and errors. */
  readonly name: string;
  /** Builds the feature for one node, or undefined when the node has nothing for it. */
  open(context: FeatureContext): Feature<Api> | undefined;
}
