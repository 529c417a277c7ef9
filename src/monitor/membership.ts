import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { hash32 } from './check-timer.js';

export interface MembershipOptions {
  nodeId: string;
  clock: Clock;
  /** A node not seen for this long has died; its checks move to the others. */
  leaseMs?: number;
  location?: string;
  /** The hash of the stack file this node serves, recorded in its row for `dayshift status`. */
  configHash?: string;
}

/** A live node as `dayshift status` shows it: where it runs and which stack file it serves. */
export interface ServingNode {
  id: string;
  host: string;
  pid: number;
  configHash: string | null;
}

/**
 * The nodes sharing one store, and which of them runs each check. Each node renews one row; every
 * node computes the same owner for a check by rendezvous hashing over the live nodes, so no per-check
 * lease rows are written, and when a node dies only its own checks move, within one lease period.
 */
export class Membership {
  readonly #db: Kysely<Database>;
  readonly #options: MembershipOptions;
  readonly leaseMs: number;
  #configHash: string | null;

  constructor(db: Kysely<Database>, options: MembershipOptions) {
    this.#db = db;
    this.#options = options;
    this.leaseMs = options.leaseMs ?? DEFAULT_NODE_LEASE_MS;
    this.#configHash = options.configHash ?? null;
  }

  /** After a reload: the next renewal records the new stack file's hash. */
  recordConfig(hash: string): void {
    this.#configHash = hash;
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  /**
   * Announces this node (again), which renews every check lease it holds, and returns the ids of the
   * live nodes, sorted, and this node's fence (raised whenever other nodes took leases from it).
   */
  async renew(): Promise<{ nodes: string[]; fence: number }> {
    const now = this.#options.clock.now();
    const row = await this.#db
      .insertInto('nodes')
      .values({
        id: this.nodeId,
        host: hostname(),
        pid: process.pid,
        location: this.#options.location ?? null,
        started_at: now,
        seen_at: now,
        config_hash: this.#configHash,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: now, config_hash: this.#configHash }))
      .returning('fence')
      .executeTakeFirstOrThrow();
    const rows = await this.#db
      .selectFrom('nodes')
      .select('id')
      .where('seen_at', '>', now - this.leaseMs)
      .orderBy('id')
      .execute();
    return { nodes: rows.map((r) => r.id), fence: Number(row.fence) };
  }

  async leave(): Promise<void> {
    await this.#db.deleteFrom('nodes').where('id', '=', this.nodeId).execute();
  }
}

/** How long a node's row stays live without a renewal, unless its monitor is told otherwise. */
export const DEFAULT_NODE_LEASE_MS = 30_000;

/** The nodes whose rows were renewed within a lease, by id: those serving the store now. */
export async function servingNodes(
  db: Kysely<Database>,
  now: number,
  leaseMs = DEFAULT_NODE_LEASE_MS,
): Promise<ServingNode[]> {
  const rows = await db
    .selectFrom('nodes')
    .select(['id', 'host', 'pid', 'config_hash'])
    .where('seen_at', '>', now - leaseMs)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, host: r.host, pid: Number(r.pid), configHash: r.config_hash }));
}

/** The node that runs a check: the live node with the highest hash of (check, node). */
export function ownerOf(checkId: string, liveNodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of liveNodes) {
    const score = hash32(`${checkId}\u0000${node}`);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
