import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What one backend can do, declared once. Shared code asks these, never the dialect's name.
 */
export interface StoreCapabilities {
  /** Claims may skip rows other transactions hold (`FOR UPDATE SKIP LOCKED`). */
  readonly skipLocked: boolean;
  /** Several processes may write at once; otherwise writes are serialised by the database file. */
  readonly concurrentWriters: boolean;
  /** Adds an auto-incrementing integer primary key column. */
  addIdColumn<T extends string>(
    table: CreateTableBuilder<T, never>,
    name: string,
  ): CreateTableBuilder<T, never>;
  /**
   * Keeps the table's rows in primary-key order with no separate row id (SQLite `WITHOUT ROWID`), for
   * tables whose primary key is how every row is found: the key is then stored once, not twice.
   * PostgreSQL has no such option and leaves the table as it is.
   */
  clusterByPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
  ): CreateTableBuilder<T, C>;
  /** The column type for epoch milliseconds. */
  readonly timestampType: 'bigint' | 'integer';
  /**
   * Runs `fn` in a transaction no other claimer runs at the same time: for claims that read and then
   * decide (per-key concurrency limits), where SKIP LOCKED alone would let two nodes pick one slot.
   */
  exclusive<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Makes a table append-only in the database itself: a trigger refuses every UPDATE and DELETE, so
   * no code path (nor a hand-written query) can rewrite what was recorded.
   */
  refuseChanges(db: Kysely<unknown>, table: string): Promise<void>;
  /** Runs the migrations under a lock, so two processes starting at once apply them once. */
  withMigrationLock<T>(db: Kysely<Database>, fn: () => Promise<T>): Promise<T>;
}

export type ColumnModifier = (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
