import { type RunEnvironment, runCheck } from '../checks/run.js';
import type { CheckResult } from '../checks/types.js';
import type { StackConfig } from '../config/schema.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { checksOf, type MonitoredCheck } from './configured-checks.js';
import { HeartbeatStore } from './heartbeats.js';
import { Membership, ownerOf } from './membership.js';
import { SampleWriter } from './sample-writer.js';
import { CheckScheduler } from './scheduler.js';
import type { StateRecord } from './state-machine.js';

export interface MonitorOptions {
  store: Store;
  config: StackConfig;
  /** The stack file's directory. */
  baseDir: string;
  clock: Clock;
  nodeId: string;
  logger?: Logger;
  concurrency?: number;
  leaseMs?: number;
  flushMs?: number;
}

/** One run done now, with the state it left the check in. */
export interface RunOutcome {
  check: MonitoredCheck;
  result: CheckResult;
  state: StateRecord;
}

/**
 * The monitoring half of a node: which checks it holds, the timer that runs them, the writer that
 * records them, and the heartbeat pings push checks read.
 */
export class Monitor {
  readonly checks: readonly MonitoredCheck[];
  readonly heartbeats: HeartbeatStore;
  readonly writer: SampleWriter;
  readonly scheduler: CheckScheduler;
  readonly membership: Membership;
  readonly #byId: Map<string, MonitoredCheck>;
  readonly #env: RunEnvironment;
  readonly #logger: Logger;
  #renewTimer: NodeJS.Timeout | undefined;
  #held = new Set<string>();

  constructor(options: MonitorOptions) {
    const { store, clock } = options;
    this.#logger = options.logger ?? silentLogger();
    this.checks = checksOf(options.config);
    this.#byId = new Map(this.checks.map((c) => [c.id, c]));
    this.heartbeats = new HeartbeatStore(store.db, clock);
    this.#env = { clock, baseDir: options.baseDir, heartbeats: this.heartbeats };
    this.writer = new SampleWriter(store.db, {
      clock,
      nodeId: options.nodeId,
      logger: this.#logger,
      flushMs: options.flushMs,
    });
    this.writer.on('transition', (t) => this.#logger.info(t, `check ${t.checkId} is ${t.to}`));
    this.scheduler = new CheckScheduler({
      clock,
      concurrency: options.concurrency,
      run: (check) => runCheck(check, this.#env),
      onResult: (check, result) => {
        // A check that moved to another node while running is recorded by that node from now on.
        if (this.#held.has(check.id)) this.writer.record(check, result);
      },
    });
    this.membership = new Membership(store.db, {
      nodeId: options.nodeId,
      clock,
      leaseMs: options.leaseMs,
    });
  }

  check(id: string): MonitoredCheck | undefined {
    return this.#byId.get(id);
  }

  /** The checks this node runs now. */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  /** Makes heartbeat URLs, joins the nodes, takes this node's share of the checks and starts the timer. */
  async start(): Promise<void> {
    await this.prepare();
    await this.rebalance();
    this.writer.start();
    this.scheduler.start();
    const every = Math.max(1_000, Math.floor(this.membership.leaseMs / 3));
    this.#renewTimer = setInterval(() => {
      this.rebalance().catch((error) => this.#logger.warn({ err: error }, 'renewing the node lease failed'));
    }, every);
    this.#renewTimer.unref?.();
  }

  /** What one-shot runs need too: every heartbeat check has a row and a URL. */
  async prepare(): Promise<void> {
    await this.heartbeats.ensure(
      this.checks
        .filter((c) => c.kind === 'heartbeat')
        .map((c) => {
          const token = (c.options as { token?: { reveal(): string } }).token?.reveal();
          return token === undefined ? { id: c.id } : { id: c.id, token };
        }),
    );
  }

  /** Renews this node's lease and runs exactly the checks that hash to it among the live nodes. */
  async rebalance(): Promise<void> {
    const live = await this.membership.renew();
    const mine = this.checks.filter((c) => ownerOf(c.id, live) === this.membership.nodeId);
    const ids = new Set(mine.map((c) => c.id));
    const gained = mine.filter((c) => !this.#held.has(c.id)).map((c) => c.id);
    const lost = [...this.#held].filter((id) => !ids.has(id));
    if (gained.length > 0) await this.writer.adopt(gained);
    if (lost.length > 0) {
      await this.writer.flush();
      this.writer.release(lost);
    }
    this.#held = ids;
    this.scheduler.set(mine);
    if (gained.length > 0 || lost.length > 0)
      this.#logger.info(
        { nodes: live.length, held: ids.size, gained: gained.length, lost: lost.length },
        'checks rebalanced',
      );
  }

  /**
   * Runs checks now, whichever node holds them, and records them like any run: `dayshift check`,
   * `POST /api/v1/checks/:id/run`. Results come back in the order of `checks`.
   */
  async runNow(checks: readonly MonitoredCheck[]): Promise<RunOutcome[]> {
    await this.writer.adopt(checks.map((c) => c.id).filter((id) => !this.writer.stateOf(id)));
    const results = await Promise.all(checks.map((check) => runCheck(check, this.#env)));
    const out = results.map((result, i) => {
      const check = checks[i] as MonitoredCheck;
      return { check, result, state: this.writer.record(check, result).state };
    });
    await this.writer.flush();
    // Another node runs these on its timer; its memory of their state is the one that counts there.
    this.writer.release(checks.map((c) => c.id).filter((id) => !this.#held.has(id)));
    return out;
  }

  async stop(): Promise<void> {
    clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
    await this.scheduler.stop();
    await this.writer.stop();
    await this.membership.leave().catch(() => {});
  }
}
