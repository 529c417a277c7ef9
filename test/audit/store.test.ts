import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, audited, listAudit, scrubParams } from '../../src/audit/index.js';
import { DayshiftError } from '../../src/errors.js';
import { Secret } from '../../src/schema/secret.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

describe.each(STORE_KINDS)('the audit log in the store (%s)', (kind) => {
  let test: TestStore;
  let store: Store;
  const clock = new ManualClock(1_800_000_000_000);

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    for (const [actor, action, target] of [
      ['token:a', 'backup.run', 'app'],
      ['token:a', 'backup.restore', 'app'],
      ['cli:eve@box', 'backup_x.run', 'db'],
      ['cli:eve@box', 'silence.create', '7'],
    ] as const) {
      await appendAudit(store.db, { at: clock.now(), actor, action, target, result: 'ok' });
      clock.advance(60_000);
    }
  });
  afterAll(async () => test?.destroy());

  it('refuses UPDATE and DELETE, whoever asks: the table is append-only', async () => {
    await expect(sql`update audit_log set result = 'ok' where id = 1`.execute(store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log where id = 1`.execute(store.db)).rejects.toThrow(/append-only/);
    await expect(store.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    expect(await listAudit(store.db)).toHaveLength(4);
  });

  it('filters by actor, action (exact or a prefix), target, time and page, newest first', async () => {
    const ids = async (filter: Parameters<typeof listAudit>[1]) =>
      (await listAudit(store.db, filter)).map((e) => e.action);
    expect(await ids({})).toEqual(['silence.create', 'backup_x.run', 'backup.restore', 'backup.run']);
    expect(await ids({ actor: 'cli:eve@box' })).toEqual(['silence.create', 'backup_x.run']);
    // `backup.` is a prefix with its dot: `backup_x.run` is another action, not one of backup's.
    expect(await ids({ action: 'backup.*' })).toEqual(['backup.restore', 'backup.run']);
    expect(await ids({ action: 'backup.' })).toEqual(['backup.restore', 'backup.run']);
    expect(await ids({ action: 'backup.run' })).toEqual(['backup.run']);
    expect(await ids({ target: 'app' })).toEqual(['backup.restore', 'backup.run']);
    const start = 1_800_000_000_000;
    expect(await ids({ since: start + 60_000, until: start + 180_000 })).toEqual([
      'backup_x.run',
      'backup.restore',
    ]);
    const [newest] = await listAudit(store.db, { limit: 1 });
    expect(await ids({ before: newest?.id, limit: 2 })).toEqual(['backup_x.run', 'backup.restore']);
  });

  it('records a refusal with its code and a failure with its scrubbed message, and rethrows both', async () => {
    const secret = new Secret('canary-store-secret-0b9d');
    await expect(
      audited(store.db, clock, { actor: 'token:a', action: 'token.revoke', target: 'x' }, async () => {
        throw new DayshiftError('TOKEN_NOT_FOUND', 'no token x');
      }),
    ).rejects.toThrow('no token x');
    await expect(
      audited(store.db, clock, { actor: 'token:a', action: 'backup.run', target: 'app' }, async () => {
        throw new Error(`dump failed with ${secret.reveal()}`);
      }),
    ).rejects.toThrow();
    const done = await audited(
      store.db,
      clock,
      { actor: 'token:a', action: 'backup.drill', target: 'app' },
      async () => ({ runId: 12, ok: false }),
      (r) => ({ runId: r.runId, result: r.ok ? 'ok' : 'failed: assertions' }),
    );
    expect(done.runId).toBe(12);
    const [drill, failed, refused] = await listAudit(store.db, { limit: 3 });
    expect(refused).toMatchObject({ action: 'token.revoke', result: 'refused: TOKEN_NOT_FOUND' });
    expect(failed).toMatchObject({ action: 'backup.run', result: 'failed: dump failed with [redacted]' });
    expect(drill).toMatchObject({ action: 'backup.drill', result: 'failed: assertions', runId: 12 });
  });
});

describe('audit params', () => {
  it('masks secret-named params at any depth, wrapped secrets, and credentials in URLs', () => {
    const wrapped = new Secret('canary-wrapped-6f1a');
    const stored = scrubParams({
      name: 'ci',
      password: 'canary-named-1',
      nested: { apiKey: 'canary-named-2', list: [{ token: 'canary-named-3' }] },
      hook: wrapped,
      text: `said ${wrapped.reveal()}`,
      to: 'postgres://app:canary-url-pw@127.0.0.1/copy',
      url: 'https://hooks.example/x?token=canary-query',
    });
    for (const canary of ['canary-named', 'canary-wrapped', 'canary-url-pw', 'canary-query'])
      expect(stored).not.toContain(canary);
    expect(JSON.parse(stored)).toMatchObject({
      name: 'ci',
      password: '[redacted]',
      to: 'postgres://app:***@127.0.0.1/copy',
    });
  });
});
