import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** Ids per statement: well under PostgreSQL's 65,535 parameters, and SQLite's limits. */
const CHUNK = 500;

/**
 * The per-check leases in `check_leases`. A node runs a check only while it holds its lease, and
 * claims one only when it is free: released, never claimed, or held by a node whose row in `nodes` is
 * no longer live. A lease lasts while its holder's row is live, so renewing the node renews all its
 * leases in one statement; a claim and a release are one statement per 500 checks, made only when
 * checks change hands. Every claim raises the lease's epoch, the fencing token results are written
 * under (`fenceEpochs`).
 */
export class CheckLeases {
  readonly #db: Kysely<Database>;
  readonly #nodeId: string;
  readonly #leaseMs: number;

  constructor(db: Kysely<Database>, nodeId: string, leaseMs: number) {
    this.#db = db;
    this.#nodeId = nodeId;
    this.#leaseMs = leaseMs;
  }

  /**
   * Claims the leases of `checkIds` that are free at `now` (as the node table is seen then) and
   * returns those it got, with their new epochs. Free: released, never claimed, held by this node, or
   * held by a node that is dead (its row is older than a lease) or gone. Leases other live nodes hold
   * are left to them: they release them once they see this node as the check's owner. Taking leases
   * from a dead node raises its fence in the same transaction, locking its row first, so it cannot
   * renew meanwhile, and its next write of results sees that its leases moved.
   */
  async claim(checkIds: readonly string[], now: number): Promise<Map<string, number>> {
    const got = new Map<string, number>();
    const liveSince = now - this.#leaseMs;
    for (let i = 0; i < checkIds.length; i += CHUNK) {
      const ids = checkIds.slice(i, i + CHUNK);
      const inserted = await this.#db
        .insertInto('check_leases')
        .values(ids.map((id) => ({ check_id: id, node_id: this.#nodeId, epoch: 1, claimed_at: now })))
        .onConflict((oc) => oc.column('check_id').doNothing())
        .returning(['check_id', 'epoch'])
        .execute();
      for (const row of inserted) got.set(row.check_id, Number(row.epoch));
      const existing = ids.filter((id) => !got.has(id));
      if (existing.length === 0) continue;
      const taken = await this.#db.transaction().execute(async (trx) => {
        const dead = await trx
          .updateTable('nodes')
          .set((eb) => ({ fence: eb('fence', '+', 1) }))
          .where('seen_at', '<=', liveSince)
          .where('id', '!=', this.#nodeId)
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('check_leases')
              .select('check_leases.node_id')
              .where('check_leases.check_id', 'in', existing)
              .where('check_leases.node_id', 'is not', null),
          )
          .returning('id')
          .execute();
        const from = [this.#nodeId, ...dead.map((d) => d.id)];
        return trx
          .updateTable('check_leases')
          .set((eb) => ({ node_id: this.#nodeId, epoch: eb('epoch', '+', 1), claimed_at: now }))
          .where('check_id', 'in', existing)
          .where((eb) =>
            eb.or([
              eb('node_id', 'is', null),
              eb('node_id', 'in', from),
              // A holder with no row left the nodes without releasing: it writes nothing any more.
              eb.not(
                eb.exists(
                  eb.selectFrom('nodes').select('nodes.id').whereRef('nodes.id', '=', 'check_leases.node_id'),
                ),
              ),
            ]),
          )
          .returning(['check_id', 'epoch'])
          .execute();
      });
      for (const row of taken) got.set(row.check_id, Number(row.epoch));
    }
    return got;
  }

  /** Gives leases up, so their checks' new owners may claim them at once; epochs stay. */
  async release(checkIds: readonly string[]): Promise<void> {
    for (let i = 0; i < checkIds.length; i += CHUNK)
      await this.#db
        .updateTable('check_leases')
        .set({ node_id: null })
        .where('node_id', '=', this.#nodeId)
        .where('check_id', 'in', checkIds.slice(i, i + CHUNK))
        .execute();
  }

  async releaseAll(): Promise<void> {
    await this.#db
      .updateTable('check_leases')
      .set({ node_id: null })
      .where('node_id', '=', this.#nodeId)
      .execute();
  }

  /** How many leases the store says this node holds: a cheap way to notice it is out of step. */
  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('check_leases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('node_id', '=', this.#nodeId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The leases the store says this node holds, with their epochs. */
  async held(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('check_leases')
      .select(['check_id', 'epoch'])
      .where('node_id', '=', this.#nodeId)
      .execute();
    return new Map(rows.map((r) => [r.check_id, Number(r.epoch)]));
  }
}

/**
 * This node's fence, read inside the transaction that writes results, its row locked (an update that
 * changes nothing) until that transaction ends, so no node can take leases from it meanwhile. While
 * it is the value the node last reconciled its leases at, every lease it holds is intact. Undefined
 * when the node has no row.
 */
export async function currentFence(trx: Kysely<Database>, nodeId: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('nodes')
    .set((eb) => ({ fence: eb.ref('fence') }))
    .where('id', '=', nodeId)
    .returning('fence')
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.fence);
}

/**
 * The epochs of the leases `nodeId` holds among `checkIds`, read inside the transaction that writes
 * their results, after `currentFence` found that leases moved. The rows are locked until that
 * transaction ends, so no claim comes between this read and the write.
 */
export async function fenceEpochs(
  trx: Kysely<Database>,
  nodeId: string,
  checkIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < checkIds.length; i += CHUNK) {
    const rows = await trx
      .updateTable('check_leases')
      .set((eb) => ({ epoch: eb.ref('epoch') }))
      .where('node_id', '=', nodeId)
      .where('check_id', 'in', checkIds.slice(i, i + CHUNK))
      .returning(['check_id', 'epoch'])
      .execute();
    for (const row of rows) out.set(row.check_id, Number(row.epoch));
  }
  return out;
}
