import { pushCapabilityOf } from '../checks/registry.js';
import { type RunEnvironment, runCheck } from '../checks/run.js';
import type { CheckResult } from '../checks/types.js';
import type { StackConfig } from '../config/schema.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { type CheckChanges, compareChecks } from './check-changes.js';
import { CheckLeases } from './check-leases.js';
import { CheckTimer } from './check-timer.js';
import { checksOf, type MonitoredCheck } from './configured-checks.js';
import { HeartbeatDeadlines } from './heartbeat-deadlines.js';
import { HeartbeatStore } from './heartbeats.js';
import { Membership, ownerOf } from './membership.js';
import { SampleWriter } from './sample-writer.js';
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
  /** The hash of the stack file served, recorded in this node's row (`dayshift status` compares it). */
  configHash?: string;
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
 *
 * Checks change hands through their leases (src/monitor/check-leases.ts). Every node computes the same
 * owner of each check from the live nodes (rendezvous hashing), but runs a check only while it holds
 * its lease: a joining node claims a check once its holder, seeing the newcomer, has finished the run
 * in flight, written its results and released it; a dead node's leases end with its row in `nodes`.
 * So one node at a time runs a check, and a result is written only under the lease it was run under.
 */
export class Monitor {
  readonly heartbeats: HeartbeatStore;
  readonly writer: SampleWriter;
  readonly timer: CheckTimer;
  /** When each heartbeat check this node runs turns late by itself: it is run at that moment. */
  readonly deadlines: HeartbeatDeadlines;
  readonly membership: Membership;
  readonly leases: CheckLeases;
  #checks: readonly MonitoredCheck[] = [];
  #byId = new Map<string, MonitoredCheck>();
  /** Heartbeat checks by `<ping key> <slug>`, for `/ping/<ping-key>/<slug>` URLs. */
  #bySlug = new Map<string, string>();
  #pingKeys = new Set<string>();
  readonly #env: RunEnvironment;
  readonly #logger: Logger;
  readonly #clock: Clock;
  /** How often the node renews its row (and so its leases): a third of a lease. */
  readonly #renewMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #stopped = false;
  /** The leases this node holds, with their epochs. */
  #held = new Map<string, number>();
  /** The checks that hash to this node among the live nodes, as of the last renewal. */
  #wanted = new Set<string>();
  /** This node's fence when its leases were last read from the store. */
  #fence: number | undefined;
  /** When this node's leases end unless it renews (by its clock, counted from before the last renewal). */
  #leaseUntil = Number.NEGATIVE_INFINITY;
  /** When it last tried to renew. */
  #lastRenew = Number.NEGATIVE_INFINITY;

  constructor(options: MonitorOptions) {
    const { store, clock } = options;
    this.#logger = options.logger ?? silentLogger();
    this.#clock = clock;
    this.#index(checksOf(options.config));
    this.heartbeats = new HeartbeatStore(store.db, clock);
    this.#env = { clock, baseDir: options.baseDir, heartbeats: this.heartbeats };
    this.writer = new SampleWriter(store.db, {
      clock,
      nodeId: options.nodeId,
      logger: this.#logger,
      flushMs: options.flushMs,
    });
    this.writer.on('transition', (t) => this.#logger.info(t, `check ${t.checkId} is ${t.to}`));
    this.writer.on('fenced', (ids: string[]) => this.#lose(ids));
    this.timer = new CheckTimer({
      clock,
      concurrency: options.concurrency,
      run: (check) => runCheck(check, this.#env),
      // A run starts only if it ends (by its timeout) before this node's lease may: then no other
      // node can be running the check while it does.
      admit: (check) =>
        clock.now() + check.timeout < this.#leaseUntil ? this.#held.get(check.id) : undefined,
      onResult: (check, result, epoch) => {
        // A check that changed hands while running is recorded by its new holder from now on.
        if (epoch !== undefined && this.#held.get(check.id) === epoch)
          this.writer.record(check, result, epoch);
      },
    });
    this.deadlines = new HeartbeatDeadlines({
      clock,
      logger: this.#logger,
      pings: (id) => this.heartbeats.pings(id),
      evaluate: (check) => this.#evaluateHeld(check),
    });
    this.membership = new Membership(store.db, {
      nodeId: options.nodeId,
      clock,
      leaseMs: options.leaseMs,
      configHash: options.configHash,
    });
    this.leases = new CheckLeases(store.db, options.nodeId, this.membership.leaseMs);
    this.#renewMs = Math.max(1_000, Math.floor(this.membership.leaseMs / 3));
  }

  /** Takes a stack file's checks: by id, and heartbeats by their ping key and slug. */
  #index(checks: readonly MonitoredCheck[]): void {
    this.#checks = checks;
    this.#byId = new Map(checks.map((c) => [c.id, c]));
    this.#bySlug = new Map();
    this.#pingKeys = new Set();
    for (const check of checks) {
      const url = pushCapabilityOf(check.kind)?.slugUrl(check.options, check.name);
      if (!url) continue;
      this.#pingKeys.add(url.pingKey);
      this.#bySlug.set(`${url.pingKey} ${url.slug}`, check.id);
    }
  }

  /** The stack file's checks, in file order: those every node runs between them. */
  get checks(): readonly MonitoredCheck[] {
    return this.#checks;
  }

  check(id: string): MonitoredCheck | undefined {
    return this.#byId.get(id);
  }

  /** Whether some heartbeat check's slug URL uses this ping key. */
  pingKeyKnown(key: string): boolean {
    return this.#pingKeys.has(key);
  }

  /** The heartbeat check of `/ping/<ping-key>/<slug>`, if the stack file declares one. */
  checkOfSlug(key: string, slug: string): string | undefined {
    return this.#bySlug.get(`${key} ${slug}`);
  }

  /** The checks this node holds the leases of: those it runs, and those it is handing over. */
  get held(): ReadonlySet<string> {
    return new Set(this.#held.keys());
  }

  /** Makes heartbeat URLs, joins the nodes, takes this node's share of the checks and starts the timer. */
  async start(): Promise<void> {
    await this.prepare();
    await this.rebalance();
    this.writer.start();
    this.timer.start();
    this.deadlines.start();
    this.#stopped = false;
    this.#arm();
  }

  /**
   * Renews every renew period; in between, while checks are waiting to change hands, it retries
   * claims and releases every second (or every tenth of a lease, if shorter), so a hand-over leaves
   * a short gap.
   */
  #arm(): void {
    if (this.#stopped) return;
    const busy = this.#handOverPending();
    const step = busy
      ? Math.min(this.#renewMs, 1_000, Math.max(100, Math.floor(this.membership.leaseMs / 10)))
      : this.#renewMs;
    const due = busy ? step : Math.max(0, this.#lastRenew + this.#renewMs - this.#clock.now());
    this.#timer = setTimeout(
      () => {
        void this.#exclusive(async () => {
          try {
            if (this.#clock.now() - this.#lastRenew >= this.#renewMs) await this.rebalance();
            else await this.handOver();
          } catch (error) {
            this.#logger.warn({ err: error }, 'renewing the node lease or moving check leases failed');
          }
        }).finally(() => this.#arm());
      },
      Math.min(due, step),
    );
    this.#timer.unref?.();
  }

  /** Runs `work` after the lease work under way, never beside it: a tick and a reload both move leases. */
  #exclusive(work: () => Promise<void>): Promise<void> {
    const done = this.#ticking.then(work);
    this.#ticking = done.catch(() => {});
    return done;
  }

  /**
   * Takes the checks of a reloaded stack file. Added checks are claimed and start; removed ones stop
   * (a run in flight ends first), their leases are released and their state leaves memory and
   * `/metrics` (their stored history stays); changed ones run with their new definition from their
   * next run, keeping their state and, unless their interval changed, their cadence. Leases of the
   * checks that stay are untouched, so a reload on one node disturbs no other.
   */
  async reload(config: StackConfig, configHash?: string): Promise<CheckChanges> {
    const next = checksOf(config);
    const changes = compareChecks(this.#checks, next);
    await this.#exclusive(async () => {
      this.#index(next);
      if (configHash !== undefined) this.membership.recordConfig(configHash);
      if (this.#stopped) return;
      try {
        await this.prepare();
        // At once rather than at the next renewal: what hashes to this node is claimed, the rest let go.
        await this.rebalance();
      } catch (error) {
        this.#logger.warn(
          { err: error },
          'moving check leases after a reload failed; the next renewal tries again',
        );
        // The timer must not run removed checks or old definitions meanwhile.
        this.#schedule();
      }
    });
    return changes;
  }

  /** What one-shot runs need too: every pushed check (heartbeat) has a row and a URL. */
  async prepare(): Promise<void> {
    const pushed = this.#checks.flatMap((c) => {
      const push = pushCapabilityOf(c.kind);
      if (!push) return [];
      const token = push.token(c.options);
      return [token === undefined ? { id: c.id } : { id: c.id, token }];
    });
    await this.heartbeats.ensure(pushed);
  }

  /**
   * Renews this node's row (and with it every lease it holds), works out which checks hash to it
   * among the live nodes, and hands checks over: `handOver()`.
   */
  async rebalance(): Promise<void> {
    const began = this.#clock.now();
    this.#lastRenew = began;
    const { nodes: live, fence } = await this.membership.renew();
    this.#leaseUntil = began + this.membership.leaseMs;
    this.#wanted = new Set(
      this.#checks.filter((c) => ownerOf(c.id, live) === this.membership.nodeId).map((c) => c.id),
    );
    // Another node took leases from this one (it was taken for dead), or the count is out of step.
    if (fence !== this.#fence || (await this.leases.count()) !== this.#held.size)
      await this.#reconcile(fence);
    await this.handOver(live.length);
  }

  /**
   * Releases the leases of checks that hash to another node now (each once its run in flight ends)
   * and claims those of checks that hash to this node and are free. A check another live node still
   * holds is claimed on a later try, after that node released it.
   */
  async handOver(nodes?: number): Promise<void> {
    const before = this.#held.size;
    this.#schedule();
    const releasable = [...this.#held.keys()].filter(
      (id) => !this.#wanted.has(id) && !this.timer.running(id),
    );
    if (releasable.length > 0) {
      // Results first, then the release: the next holder starts from this node's last state.
      await this.writer.flushThen(() => this.leases.release(releasable));
      for (const id of releasable) this.#held.delete(id);
      this.writer.release(releasable);
    }
    const wanted = [...this.#wanted].filter((id) => !this.#held.has(id));
    let claimed = 0;
    if (wanted.length > 0) {
      const got = await this.writer.flushThen(() => this.leases.claim(wanted, this.#clock.now()));
      await this.writer.adopt([...got.keys()]);
      for (const [id, epoch] of got) this.#held.set(id, epoch);
      claimed = got.size;
      this.#schedule();
    }
    if (releasable.length > 0 || claimed > 0)
      this.#logger.info(
        { nodes, held: this.#held.size, before, claimed, released: releasable.length },
        'check leases moved',
      );
  }

  /** Whether a check waits to change hands: a free claim to retry, a release waiting for its run. */
  #handOverPending(): boolean {
    if ([...this.#wanted].some((id) => !this.#held.has(id))) return true;
    for (const id of this.#held.keys()) if (!this.#wanted.has(id)) return true;
    return false;
  }

  /** The timer runs the checks this node both holds and owns; a check being handed over stops now. */
  #schedule(): void {
    const running = this.#checks.filter((c) => this.#held.has(c.id) && this.#wanted.has(c.id));
    this.timer.set(running);
    this.deadlines
      .set(running)
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'reading heartbeat deadlines failed'));
  }

  /**
   * Runs a check this node holds now, under its lease, as the timer would; resolves with the time
   * the run read the clock, or undefined when the node may not run it now.
   */
  async #evaluateHeld(check: MonitoredCheck): Promise<number | undefined> {
    const epoch = this.#held.get(check.id);
    if (epoch === undefined || this.#clock.now() + check.timeout >= this.#leaseUntil) return undefined;
    const result = await runCheck(check, this.#env);
    if (this.#held.get(check.id) !== epoch) return undefined;
    this.writer.record(check, result, epoch);
    return result.at;
  }

  /**
   * A heartbeat ping was recorded: the check is judged now, so a failure raises its alert at once and
   * a success ends one; its deadline moves. A check another node holds is run here like a run-now.
   */
  async pinged(check: MonitoredCheck): Promise<void> {
    try {
      const runs = this.#held.has(check.id) && this.#wanted.has(check.id);
      const at = runs ? await this.#evaluateHeld(check) : undefined;
      if (at === undefined) await this.runNow([check]);
      else await this.writer.flush();
      if (runs) await this.deadlines.refresh(check.id, at ?? this.#clock.now());
    } catch (error) {
      // The ping is recorded: its check is judged again at its deadline or its next interval.
      this.#logger.warn({ err: error, check: check.id }, 'judging a heartbeat after its ping failed');
    }
  }

  /**
   * Takes the store's word for which leases this node holds, read after its fence: results are
   * written on trust at that fence from now on.
   */
  async #reconcile(fence: number): Promise<void> {
    const stored = await this.leases.held();
    const lost = [...this.#held.keys()].filter((id) => stored.get(id) !== this.#held.get(id));
    if (lost.length > 0)
      this.#logger.warn({ count: lost.length }, 'checks this node held were claimed by other nodes');
    this.#lose(lost);
    for (const [id, epoch] of stored)
      if (!this.#held.has(id) && this.#byId.has(id)) this.#held.set(id, epoch);
    // Leases of checks no longer in the stack file are given up at once.
    const unknown = [...stored.keys()].filter((id) => !this.#byId.has(id));
    if (unknown.length > 0) await this.writer.flushThen(() => this.leases.release(unknown));
    this.#fence = fence;
    this.writer.trustFence(fence);
  }

  /** Forgets checks whose leases other nodes hold now. */
  #lose(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.#held.delete(id);
    this.writer.release(ids);
    this.#schedule();
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

  /** Stops the timer, waits for the runs in flight, writes their results, then gives every lease up. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    await this.timer.stop();
    await this.deadlines.stop();
    await this.writer.stop();
    await this.leases.releaseAll().catch(() => {});
    this.#held.clear();
    this.#wanted.clear();
    await this.membership.leave().catch(() => {});
  }
}
