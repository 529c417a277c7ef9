import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import { OnCall } from '../../src/incidents/oncall.js';
import { oncallRoutes } from '../../src/incidents/oncall-routes.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { bearer, type Harness, startHarness } from '../server/server-harness.js';

const YAML = `
version: 1
notifiers:
  hook: { webhook: { url: "http://127.0.0.1:9/hook" } }
people:
  ann: { notify: [hook] }
  bob: { notify: [hook] }
  dan: { notify: [hook] }
oncall:
  ops: { members: [ann, bob], shift: 1d, handoff: "09:00", timezone: Europe/Berlin, start: "2026-03-28" }
  web: { members: [dan], shift: 7d, timezone: America/New_York }
`;

interface Shift {
  rotation: string;
  person: string;
  startsAt: number;
  endsAt: number;
  override?: { id: number; reason: string | null };
}

/** The answers' fields the tests read. */
interface Answer {
  at: number;
  rotations: { rotation: string; now: Shift; next: Shift }[];
  now: Shift;
  upcoming: Shift[];
  override: { id: number };
  overrides: { id: number }[];
  removed: number;
  error: { code: string; message: string; hint?: string };
  [key: string]: unknown;
}

const execute = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');

/** 2026-03-30 12:00 in Berlin: ann's day (03-28 ann, 03-29 bob, 03-30 ann). */
const NOW = Date.parse('2026-03-30T12:00+02:00');

describe('the on-call API', () => {
  let h: Harness;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    const { config } = stackFrom(YAML);
    h = await startHarness({
      features: (store) => [
        { routes: (app) => oncallRoutes(app, { oncall: new OnCall(store.db, config), clock }) },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(`${h.baseUrl}/api/v1${url}`, {
      method,
      headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Answer };
  };

  it('a viewer reads who is on call now and next for every rotation', async () => {
    const all = await call('GET', '/oncall', h.token.viewer);
    expect(all.status).toBe(200);
    expect(all.body.at).toBe(NOW);
    expect(all.body.rotations.map((r) => [r.rotation, r.now.person, r.next.person])).toEqual([
      ['ops', 'ann', 'bob'],
      ['web', 'dan', 'dan'],
    ]);
    expect(all.body.rotations[0]?.now).toEqual({
      rotation: 'ops',
      person: 'ann',
      startsAt: Date.parse('2026-03-30T09:00+02:00'),
      endsAt: Date.parse('2026-03-31T09:00+02:00'),
    });
    // `at` without an offset is UTC here; epoch milliseconds work too.
    const earlier = await call('GET', '/oncall?at=2026-03-29T12:00', h.token.viewer);
    expect(earlier.body.rotations[0]?.now.person).toBe('bob');
    const epoch = await call('GET', `/oncall?at=${Date.parse('2026-03-29T12:00Z')}`, h.token.viewer);
    expect(epoch.body.rotations[0]?.now.person).toBe('bob');
  });

  it('a viewer reads one rotation with its next shifts; an unknown one is a 404 with a hint', async () => {
    const one = await call('GET', '/oncall/ops?count=3&at=2026-03-30T08:59', h.token.viewer);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ rotation: 'ops', timezone: 'Europe/Berlin', members: ['ann', 'bob'] });
    expect(one.body.now.person).toBe('bob');
    expect(one.body.upcoming.map((s) => s.person)).toEqual(['ann', 'bob', 'ann']);
    const unknown = await call('GET', '/oncall/opps', h.token.viewer);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', hint: 'did you mean `ops`?' });
  });

  it('an operator adds an override in the rotation’s local time and it wins; a viewer may not', async () => {
    const body = { person: 'dan', from: '2026-03-30T13:00', to: '2026-03-30T17:00', reason: 'school run' };
    const refused = await call('POST', '/oncall/ops/overrides', h.token.viewer, body);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('AUTH_FORBIDDEN');

    const made = await call('POST', '/oncall/ops/overrides', h.token.operator, body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.override).toMatchObject({
      rotation: 'ops',
      person: 'dan',
      startsAt: Date.parse('2026-03-30T13:00+02:00'),
      endsAt: Date.parse('2026-03-30T17:00+02:00'),
      reason: 'school run',
      createdBy: 'o',
    });
    const during = await call('GET', '/oncall/ops?at=2026-03-30T14:00&count=2', h.token.viewer);
    expect(during.body.now).toMatchObject({
      person: 'dan',
      override: { id: made.body.override.id, reason: 'school run' },
    });
    expect(during.body.upcoming.map((s) => [s.person, s.startsAt])).toEqual([
      ['ann', Date.parse('2026-03-30T17:00+02:00')],
      ['bob', Date.parse('2026-03-31T09:00+02:00')],
    ]);
    const listed = await call('GET', '/oncall/ops/overrides', h.token.viewer);
    expect(listed.body.overrides.map((o) => o.id)).toEqual([made.body.override.id]);

    // Newest first: the operator's override, then the viewer's refusal (a valid token is always recorded).
    const entries = await listAudit(h.store.db, { action: 'override.create' });
    expect(entries.map((e) => [e.actor, e.target, e.result])).toEqual([
      ['token:o', 'ops', 'ok'],
      ['token:v', 'ops', 'refused: AUTH_FORBIDDEN'],
    ]);
    expect(entries[0]?.params).toMatchObject({ person: 'dan', from: '2026-03-30T13:00' });
  });

  it('refuses an unknown person, a bad time and an end before the start', async () => {
    const post = (body: Record<string, string>) =>
      call('POST', '/oncall/ops/overrides', h.token.operator, {
        person: 'dan',
        from: '2026-04-01T09:00',
        to: '2026-04-01T10:00',
        ...body,
      });
    const nobody = await post({ person: 'bobb' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.hint).toBe('did you mean `bob`?');
    for (const from of ['2026-02-30T09:00', '2026-04-01T25:00', 'next tuesday', '2026-04-01T09:00+99:99']) {
      const bad = await post({ from });
      expect(bad.status, from).toBe(400);
      expect(bad.body.error.message).toContain(`from "${from}" is not a date and time`);
    }
    const ancient = await post({ from: '1999-12-31T09:00' });
    expect(ancient.status).toBe(400);
    expect(ancient.body.error.message).toContain('out of range');
    for (const at of ['2026-13-01', '9999999999999999', '900000000000'])
      expect((await call('GET', `/oncall?at=${at}`, h.token.viewer)).status, at).toBe(400);
    const backwards = await post({ to: '2026-04-01T08:00' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toContain('must end after it starts');
    expect(
      (
        await call('POST', '/oncall/nope/overrides', h.token.operator, {
          person: 'dan',
          from: '2026-04-01',
          to: '2026-04-02',
        })
      ).status,
    ).toBe(404);
  });

  it('an operator removes an override; a viewer may not; a second removal is a 404', async () => {
    const [override] = (await call('GET', '/oncall/ops/overrides?all=true', h.token.viewer)).body.overrides;
    if (!override) throw new Error('the override of the test before is gone');
    expect((await call('DELETE', `/oncall/overrides/${override.id}`, h.token.viewer)).status).toBe(403);
    const removed = await call('DELETE', `/oncall/overrides/${override.id}`, h.token.operator);
    expect(removed).toEqual({ status: 200, body: { removed: override.id } });
    expect((await call('DELETE', `/oncall/overrides/${override.id}`, h.token.operator)).status).toBe(404);
    expect((await call('GET', '/oncall/ops?at=2026-03-30T14:00', h.token.viewer)).body.now.person).toBe(
      'ann',
    );
    const audited = await listAudit(h.store.db, { action: 'override.remove' });
    expect(audited.map((e) => [e.target, e.result])).toEqual([
      [String(override.id), 'refused: NOT_FOUND'],
      [String(override.id), 'ok'],
      [String(override.id), 'refused: AUTH_FORBIDDEN'],
    ]);
  });
  it('dayshift oncall works on the server with --server and --token, as the token', async () => {
    const dayshift = async (token: string, ...args: string[]) => {
      try {
        const { stdout } = await execute(
          process.execPath,
          ['--import', 'tsx', CLI, ...args, '--server', h.baseUrl, '--token', token],
          // No stack file here: on a server, the verb needs none.
          {
            cwd: path.dirname(CLI),
            env: { ...process.env, TZ: 'UTC', DAYSHIFT_CONFIG: '/nonexistent.yaml' },
          },
        );
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const table = await dayshift(h.token.viewer, 'oncall', '--at', '2026-03-30T12:00+02:00');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ops\s+now\s+ann\s+2026-03-30 09:00\s+2026-03-31 09:00\s+Europe\/Berlin$/m);
    expect(table.stdout).toMatch(/^\s+next\s+bob\s+2026-03-31 09:00/m);

    const refused = await dayshift(
      h.token.viewer,
      'oncall',
      'override',
      'ops',
      '--person',
      'dan',
      '--from',
      '2026-04-02T09:00',
      '--to',
      '2026-04-02T12:00',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('this route needs the operator');
    const made = await dayshift(
      h.token.operator,
      'oncall',
      'override',
      'ops',
      '--person',
      'dan',
      '--from',
      '2026-04-02T09:00',
      '--to',
      '2026-04-02T12:00',
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    const override = JSON.parse(made.stdout) as { id: number; startsAt: number; createdBy: string };
    expect(override).toMatchObject({ startsAt: Date.parse('2026-04-02T09:00+02:00'), createdBy: 'o' });
    const listed = await dayshift(h.token.viewer, 'oncall', 'overrides', '--all');
    expect(listed.stdout).toMatch(
      new RegExp(`^${override.id}\\s+ops\\s+dan\\s+2026-04-02 09:00\\s+2026-04-02 12:00`, 'm'),
    );
    expect(
      (await dayshift(h.token.operator, 'oncall', 'override', 'remove', String(override.id))).stdout,
    ).toBe(`override #${override.id} removed\n`);
    const again = await dayshift(h.token.operator, 'oncall', 'override', 'remove', String(override.id));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no on-call override #${override.id}`);
    const audited = await listAudit(h.store.db, { action: 'override.create', actor: 'token:o' });
    expect(audited.map((e) => e.result)).toContain('ok');
  });

  it('answers whatever a client sends with a 2xx or a 4xx, never a 5xx', async () => {
    // Times around the edges: DST changes, before 2000, past 2100, with odd offsets or none.
    const moment = fc.oneof(
      fc
        .date({ min: new Date('1990-01-01T00:00Z'), max: new Date('2120-01-01T00:00Z'), noInvalidDate: true })
        .chain((d) =>
          fc
            .constantFrom('', 'Z', '+02:00', '-0500', '+99:99', ':61')
            .map((suffix) => `${d.toISOString().slice(0, 16)}${suffix}`),
        ),
      fc.constantFrom('2026-03-29T02:30', '2026-10-25T02:30', '2026-02-29', '2026-04-31T09:00', '24:00'),
      fc.string({ maxLength: 30 }),
      fc.integer({ min: -1, max: 2 ** 53 }).map(String),
    );
    const body = fc.record(
      {
        person: fc.oneof(
          fc.constantFrom('dan', 'ann', '__proto__', 'constructor'),
          fc.string({ maxLength: 20 }),
        ),
        from: moment,
        to: moment,
        reason: fc.string({ maxLength: 50 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, moment, async (b, at) => {
        const made = await call('POST', '/oncall/ops/overrides', h.token.operator, b);
        expect(made.status, JSON.stringify({ b, made })).toBeLessThan(500);
        const read = await fetch(`${h.baseUrl}/api/v1/oncall/ops?at=${encodeURIComponent(at)}`, {
          headers: bearer(h.token.viewer),
        });
        expect(read.status, at).toBeLessThan(500);
      }),
      { numRuns: 200, seed: 19 },
    );
  });
});
