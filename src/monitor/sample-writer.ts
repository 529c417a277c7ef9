import { EventEmitter } from 'node:events';
import type { Insertable, Kysely } from 'kysely';
import { reasonOf } from '../checks/run.js';
import type { CheckResult } from '../checks/types.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type {
  CheckSamplesTable,
  CheckStatesTable,
  CheckTransitionsTable,
  Database,
} from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { currentFence, fenceEpochs } from './check-leases.js';
import type { MonitoredCheck } from './configured-checks.js';
import { advance, type CheckState, initialState, type StateRecord } from './state-machine.js';

/** A state change, as recorded and as the alerting side consumes it. */
export interface Transition {
  checkId: string;
  at: number;
  from: CheckState;
  to: CheckState;
  reason: string | null;
}

export interface SampleWriterOptions {
  clock: Clock;
  nodeId: string;
  logger?: Logger;
  /** How often buffered samples are written. */
  flushMs?: number;
  /** A buffer this big is written at once, without waiting for the timer. */
  maxBatch?: number;
}

/** The longest a steady check's state row goes without being rewritten, so its last run shows. */
export const STATE_REFRESH_MS = 30_000;

/** Rows per INSERT: PostgreSQL allows 65,535 parameters per statement. */
const CHUNK = 500;

/** A buffered row, with the epoch of the lease its run was made under (none for on-demand runs). */
interface Fenced<T> {
  row: T;
  epoch: number | undefined;
}

/**
 * Takes every result, moves the check's state in memory (this node is the only one running the check),
 * and writes samples, states and transitions in batches: one transaction per flush, so the store sees
 * a few large writes per second instead of thousands of small ones. A result made under a lease is
 * written only while that lease's epoch is current: a node that lost a check (it stopped renewing and
 * another node claimed it) cannot write a late result over the new holder's. Emits 'transition',
 * 'fenced' (the ids of checks whose results were refused) and 'error'.
 */
export class SampleWriter extends EventEmitter {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #nodeId: string;
  readonly #logger: Logger;
  readonly #flushMs: number;
  readonly #maxBatch: number;
  readonly #states = new Map<string, StateRecord>();
  #samples: Fenced<Insertable<CheckSamplesTable>>[] = [];
  #dirty = new Map<
    string,
    { row: Omit<Insertable<CheckStatesTable>, 'last_result'>; result: CheckResult; epoch: number | undefined }
  >();
  /** What each check's stored state row says, and when it was written, to skip rewriting it unchanged. */
  readonly #stored = new Map<string, { key: string; at: number }>();
  #transitions: Fenced<Insertable<CheckTransitionsTable>>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** The node's fence when its leases were last read; undefined until then (every lease is read). */
  #trustedFence: number | undefined;
  #written = 0;
  /** Failed runs this node recorded, by check: `/metrics` exports them as a counter. */
  readonly #failedRuns = new Map<string, number>();

  constructor(db: Kysely<Database>, options: SampleWriterOptions) {
    super();
    this.#db = db;
    this.#clock = options.clock;
    this.#nodeId = options.nodeId;
    this.#logger = options.logger ?? silentLogger();
    // Small, frequent batches: each write blocks the event loop on SQLite, and a short block delays no check.
    this.#flushMs = options.flushMs ?? 250;
    this.#maxBatch = options.maxBatch ?? 1_000;
  }

  /** Samples written since start. */
  get written(): number {
    return this.#written;
  }

  get pending(): number {
    return this.#samples.length;
  }

  /** How many failed runs of the check this node recorded since it started; 0 for none. */
  failedRuns(checkId: string): number {
    return this.#failedRuns.get(checkId) ?? 0;
  }

  /** Loads the stored state of checks this node starts running; a new check starts as `starting`. */
  async adopt(checkIds: readonly string[]): Promise<void> {
    const fresh = checkIds.filter((id) => !this.#states.has(id));
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const ids = fresh.slice(i, i + CHUNK);
      const rows = await this.#db
        .selectFrom('check_states')
        .select(['check_id', 'state', 'since', 'monitored_since', 'failures', 'successes'])
        .where('check_id', 'in', ids)
        .execute();
      const found = new Map(rows.map((r) => [r.check_id, r]));
      const now = this.#clock.now();
      for (const id of ids) {
        const row = found.get(id);
        this.#states.set(
          id,
          row
            ? {
                state: row.state as CheckState,
                since: Number(row.since),
                monitoredSince: Number(row.monitored_since),
                failures: row.failures,
                successes: row.successes,
              }
            : initialState(now),
        );
      }
    }
  }

  /** Forgets checks another node now runs. */
  release(checkIds: readonly string[]): void {
    for (const id of checkIds) {
      this.#states.delete(id);
      this.#stored.delete(id);
    }
  }

  stateOf(checkId: string): StateRecord | undefined {
    return this.#states.get(checkId);
  }

  /**
   * Records one result: the state moves now; the rows are written at the next flush, if `epoch` (the
   * lease the run was made under) is still this node's then. Without an epoch (a run asked for now,
   * on any node) the rows are written as they are.
   */
  record(
    check: MonitoredCheck,
    result: CheckResult,
    epoch?: number,
  ): { state: StateRecord; transition?: Transition } {
    const before = this.#states.get(check.id) ?? initialState(result.at);
    const { next, changed } = advance(before, result.outcome, result.at, check.policy);
    this.#states.set(check.id, next);
    if (result.outcome === 'fail') this.#failedRuns.set(check.id, this.failedRuns(check.id) + 1);
    const reason = reasonOf(result) ?? null;
    this.#samples.push({
      row: {
        check_id: check.id,
        at: result.at,
        outcome: result.outcome,
        latency_ms: result.latencyMs,
        detail: detailOf(result),
      },
      epoch,
    });
    // A steady check's row would be rewritten with the same state every run, thousands of times a
    // second at scale; it is rewritten when something a reader acts on changes, or to refresh last_at.
    const key = `${next.state}|${next.since}|${next.failures}|${next.successes}|${result.outcome}|${reason}`;
    const stored = this.#stored.get(check.id);
    if (!stored || stored.key !== key || result.at - stored.at >= STATE_REFRESH_MS) {
      this.#stored.set(check.id, { key, at: result.at });
      this.#dirty.set(check.id, {
        row: {
          check_id: check.id,
          state: next.state,
          since: next.since,
          monitored_since: next.monitoredSince,
          failures: next.failures,
          successes: next.successes,
          last_at: result.at,
          last_outcome: result.outcome,
          last_latency_ms: result.latencyMs,
          last_reason: reason,
          updated_at: result.at,
        },
        result,
        epoch,
      });
    }
    let transition: Transition | undefined;
    if (changed) {
      transition = { checkId: check.id, at: result.at, from: before.state, to: next.state, reason };
      this.#transitions.push({
        row: {
          check_id: check.id,
          at: result.at,
          from_state: before.state,
          to_state: next.state,
          reason,
          node: this.#nodeId,
        },
        epoch,
      });
      this.emit('transition', transition);
    }
    if (this.#samples.length >= this.#maxBatch) void this.flush();
    return transition ? { state: next, transition } : { state: next };
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#flushMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Writes everything buffered; flushes run one after another, never two at once. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /**
   * Writes everything buffered, then runs `fn` before any other flush: how the node moves leases, so a
   * check's results are written before its lease is given up, and a lease statement never waits on
   * this node's own flush for the same rows.
   */
  flushThen<T>(fn: () => Promise<T>): Promise<T> {
    const done = this.#flushing.then(() => this.#write()).then(fn);
    this.#flushing = done.then(
      () => {},
      () => {},
    );
    return done;
  }

  /**
   * Tells the writer the fence at which its node's leases were last read from the store: while the
   * node's fence stays there, results made under a lease are written without reading each lease.
   */
  trustFence(fence: number): void {
    this.#trustedFence = fence;
  }

  /**
   * Which buffered rows may be written: those of on-demand runs, and those whose lease epoch is still
   * this node's, as read (and locked until the transaction ends) in `trx`: one row, this node's fence,
   * while no node took leases from it; each lease's epoch after one did. Adds the others' checks to
   * `refused`. Nothing is read when nothing was run under a lease (one-shot commands).
   */
  async #fence(
    trx: Kysely<Database>,
    items: ReadonlyArray<{ row: { check_id: string }; epoch: number | undefined }>,
    refused: Set<string>,
  ): Promise<(item: { row: { check_id: string }; epoch: number | undefined }) => boolean> {
    const ids = new Set<string>();
    for (const item of items) if (item.epoch !== undefined) ids.add(item.row.check_id);
    if (ids.size === 0) return () => true;
    const fence = await currentFence(trx, this.#nodeId);
    if (fence !== undefined && fence === this.#trustedFence) return () => true;
    const current = await fenceEpochs(trx, this.#nodeId, [...ids]);
    for (const item of items)
      if (item.epoch !== undefined && current.get(item.row.check_id) !== item.epoch)
        refused.add(item.row.check_id);
    return (item) => item.epoch === undefined || current.get(item.row.check_id) === item.epoch;
  }

  async #write(): Promise<void> {
    if (this.#samples.length === 0 && this.#dirty.size === 0) return;
    const samples = this.#samples;
    const dirty = [...this.#dirty.values()];
    const transitions = this.#transitions;
    this.#samples = [];
    this.#dirty = new Map();
    this.#transitions = [];
    const refused = new Set<string>();
    let written = 0;
    try {
      await this.#db.transaction().execute(async (trx) => {
        refused.clear();
        const keep = await this.#fence(trx, [...samples, ...dirty, ...transitions], refused);
        const writtenSamples = samples.filter(keep);
        const writtenDirty = dirty.filter(keep);
        const writtenTransitions = transitions.filter(keep);
        written = writtenSamples.length;
        const states = writtenDirty.map(({ row, result }) => ({
          ...row,
          last_result: JSON.stringify(result),
        }));
        for (let i = 0; i < writtenSamples.length; i += CHUNK)
          await trx
            .insertInto('check_samples')
            .values(writtenSamples.slice(i, i + CHUNK).map((s) => s.row))
            .execute();
        for (let i = 0; i < states.length; i += CHUNK)
          await trx
            .insertInto('check_states')
            .values(states.slice(i, i + CHUNK))
            .onConflict((oc) =>
              oc.column('check_id').doUpdateSet((eb) => ({
                state: eb.ref('excluded.state'),
                since: eb.ref('excluded.since'),
                failures: eb.ref('excluded.failures'),
                successes: eb.ref('excluded.successes'),
                last_at: eb.ref('excluded.last_at'),
                last_outcome: eb.ref('excluded.last_outcome'),
                last_latency_ms: eb.ref('excluded.last_latency_ms'),
                last_reason: eb.ref('excluded.last_reason'),
                last_result: eb.ref('excluded.last_result'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        for (let i = 0; i < writtenTransitions.length; i += CHUNK)
          await trx
            .insertInto('check_transitions')
            .values(writtenTransitions.slice(i, i + CHUNK).map((t) => t.row))
            .execute();
      });
      this.#written += written;
      if (refused.size > 0) {
        // Another node holds these now: what this node remembers of their state is stale too.
        this.release([...refused]);
        this.#logger.warn(
          { checks: [...refused].slice(0, 10), count: refused.size },
          'results of checks this node no longer holds were not written',
        );
        this.emit('fenced', [...refused]);
      }
    } catch (error) {
      // Put the batch back so the next flush tries again; the store may be restarting.
      this.#samples = samples.concat(this.#samples);
      for (const d of dirty) if (!this.#dirty.has(d.row.check_id)) this.#dirty.set(d.row.check_id, d);
      this.#transitions = transitions.concat(this.#transitions);
      this.#logger.warn({ err: error, samples: samples.length }, 'writing check samples failed; will retry');
      if (this.listenerCount('error') > 0) this.emit('error', error);
    }
  }
}

/**
 * What a sample keeps beyond outcome and latency: values (rules read them), the error and the failed
 * conditions with their actual values. A plain pass with no values keeps nothing, which is most samples.
 */
function detailOf(result: CheckResult): string | null {
  const detail: Record<string, unknown> = {};
  if (Object.keys(result.values).length > 0) detail.values = result.values;
  if (result.error) detail.error = result.error;
  const failed = result.conditions.filter((c) => !c.ok);
  if (failed.length > 0)
    detail.failed = failed.map((c) => ({ expr: c.expr, actual: c.actual, reason: c.reason }));
  return Object.keys(detail).length > 0 ? JSON.stringify(detail) : null;
}
