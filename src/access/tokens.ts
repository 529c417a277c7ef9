import { createHash, randomBytes } from 'node:crypto';
import { DayshiftError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { checkName } from '../util/input-bounds.js';
import { isRole, type Role } from './roles.js';

/** What is kept of a token: never the token itself, only its SHA-256 and a short prefix to recognise it. */
export interface TokenRecord {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const TOKEN_PREFIX = 'dst_';

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no dictionary to attack). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenService {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, options: { clock?: Clock } = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Creates a token and returns it in clear text: the only time it is ever shown. */
  async create(input: { name: string; role: string }): Promise<{ token: string; record: TokenRecord }> {
    if (!isRole(input.role)) {
      throw new DayshiftError('BAD_REQUEST', `unknown role "${input.role}"`, {
        hint: 'use one of: viewer, operator, admin',
      });
    }
    const name = input.name.trim();
    if (!name) throw new DayshiftError('BAD_REQUEST', 'a token needs a name', { hint: 'pass --name <name>' });
    checkName(name, 'the token name');
    const existing = await this.#store.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (existing) {
      throw new DayshiftError('TOKEN_NAME_TAKEN', `a token named "${name}" already exists`, {
        hint: 'choose another name, or revoke the old token first',
      });
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const row = await this.#store.db
      .insertInto('api_tokens')
      .values({
        name,
        role: input.role,
        token_hash: hashToken(token),
        prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { token, record: toRecord(row) };
  }

  /** The live token matching `token`, or undefined; records when it was last used. */
  async verify(token: string): Promise<TokenRecord | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.#store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = this.#clock.now();
    // Writing on every request would make reads cost a write; a minute of precision is enough.
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await this.#store.db
        .updateTable('api_tokens')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .execute();
      row.last_used_at = now;
    }
    return toRecord(row);
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.#store.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
    return rows.map(toRecord);
  }

  async countActive(): Promise<number> {
    const row = await this.#store.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Revokes by name or numeric id. */
  async revoke(nameOrId: string): Promise<TokenRecord> {
    // Digits beyond a safe integer are no id any store holds; they are read as a name, which none has.
    const byId = /^\d+$/.test(nameOrId) && Number.isSafeInteger(Number(nameOrId));
    const row = await this.#store.db
      .updateTable('api_tokens')
      .set({ revoked_at: this.#clock.now() })
      .where(byId ? 'id' : 'name', '=', byId ? Number(nameOrId) : nameOrId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new DayshiftError('TOKEN_NOT_FOUND', `no live token named or numbered "${nameOrId}"`, {
        hint: 'see `dayshift token list`',
      });
    }
    return toRecord(row);
  }
}

interface TokenRow {
  id: number;
  name: string;
  role: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: Number(row.id),
    name: row.name,
    role: isRole(row.role) ? row.role : 'viewer',
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
