import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import type { Store } from '../../src/store/index.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';

const execute = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');

describe.each(STORE_KINDS)('dayshift oncall (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let configPath: string;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    configPath = stackFrom(`
version: 1
${storeYaml(test.options)}
notifiers:
  hook: { webhook: { url: "http://127.0.0.1:9/hook" } }
people:
  ann: { name: Ann Smith, notify: [hook] }
  bob: { notify: [hook] }
  dan: { notify: [hook] }
oncall:
  ops: { members: [ann, bob], shift: 1d, handoff: "09:00", timezone: Europe/Berlin, start: "2026-03-28" }
  web: { members: [dan], shift: 12h, timezone: America/New_York, start: "2026-03-01" }
`).configPath;
  });
  afterAll(async () => {
    await test.destroy();
  });

  /** Runs the CLI; a failure answers its exit code and output instead of throwing. */
  const dayshift = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await execute(
        process.execPath,
        ['--import', 'tsx', CLI, '--config', configPath, ...args],
        { env: { ...process.env, TZ: 'UTC', USER: 'erin', ...env } },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  /** The table's rows as lists of cells (two or more spaces apart). */
  const rows = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s{2,}/));

  it('prints who is on call now and next for each rotation, in each rotation’s local time', async () => {
    const out = await dayshift(['oncall', '--at', '2026-03-29T08:59+02:00']);
    expect(out.code, out.stderr).toBe(0);
    expect(rows(out.stdout)).toEqual([
      ['ROTATION', 'WHEN', 'ON CALL', 'FROM', 'UNTIL', 'ZONE'],
      ['ops', 'now', 'Ann Smith (ann)', '2026-03-28 09:00', '2026-03-29 09:00', 'Europe/Berlin'],
      ['', 'next', 'bob', '2026-03-29 09:00', '2026-03-30 09:00', 'Europe/Berlin'],
      ['web', 'now', 'dan', '2026-03-28 21:00', '2026-03-29 09:00', 'America/New_York'],
      ['', 'next', 'dan', '2026-03-29 09:00', '2026-03-29 21:00', 'America/New_York'],
    ]);
    // Without an offset, --at is this machine's local time (TZ).
    const local = await dayshift(['oncall', '--at', '2026-03-29T09:00', '--json'], { TZ: 'Europe/Berlin' });
    const answer = JSON.parse(local.stdout) as {
      at: number;
      rotations: {
        rotation: string;
        now: { person: string };
        upcoming: { person: string; startsAt: number }[];
      }[];
    };
    expect(answer.at).toBe(Date.parse('2026-03-29T09:00+02:00'));
    expect(answer.rotations[0]).toMatchObject({
      rotation: 'ops',
      now: { person: 'bob' },
      upcoming: [{ person: 'ann', startsAt: Date.parse('2026-03-30T09:00+02:00') }],
    });
  });

  it('takes an override in the rotation’s time zone, shows it winning, lists it and removes it', async () => {
    const made = await dayshift([
      'oncall',
      'override',
      'ops',
      '--person',
      'dan',
      '--from',
      '2026-03-30T13:00',
      '--to',
      '2026-03-30T17:00',
      '--reason',
      'school run',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const id = Number(/override #(\d+): dan is on call for ops/.exec(made.stdout)?.[1]);
    expect(made.stdout).toContain('from 2026-03-30 13:00 until 2026-03-30 17:00 (Europe/Berlin)');

    const during = await dayshift(['oncall', '--at', '2026-03-30T14:00+02:00']);
    expect(rows(during.stdout)[1]).toEqual([
      'ops',
      'now',
      `dan [override #${id}: school run]`,
      '2026-03-30 13:00',
      '2026-03-30 17:00',
      'Europe/Berlin',
    ]);
    expect(rows(during.stdout)[2]?.slice(2, 4)).toEqual(['Ann Smith (ann)', '2026-03-30 17:00']);

    const listed = await dayshift(['oncall', 'overrides', 'ops', '--all']);
    expect(rows(listed.stdout)[1]).toEqual([
      String(id),
      'ops',
      'dan',
      '2026-03-30 13:00',
      '2026-03-30 17:00',
      'Europe/Berlin',
      'erin',
      'school run',
    ]);
    const [entry] = await listAudit(store.db, { action: 'override.create' });
    expect(entry).toMatchObject({ target: 'ops', result: 'ok' });
    expect(entry?.actor).toMatch(/^cli:/);

    expect((await dayshift(['oncall', 'override', 'remove', String(id)])).stdout).toBe(
      `override #${id} removed\n`,
    );
    const again = await dayshift(['oncall', 'override', 'remove', String(id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no on-call override #${id}`);
    const after = await dayshift(['oncall', '--at', '2026-03-30T14:00+02:00', '--json']);
    expect(
      (JSON.parse(after.stdout) as { rotations: { now: { person: string } }[] }).rotations[0]?.now.person,
    ).toBe('ann');
  });

  it('refuses an override without an end, for an unknown rotation or person, and says what to do', async () => {
    const noEnd = await dayshift([
      'oncall',
      'override',
      'ops',
      '--person',
      'dan',
      '--from',
      '2026-04-01T09:00',
    ]);
    expect(noEnd.code).toBe(2);
    expect(noEnd.stderr).toContain('an override needs --to');
    const rotation = await dayshift([
      'oncall',
      'override',
      'opps',
      '--person',
      'dan',
      '--from',
      '2026-04-01',
      '--to',
      '2026-04-02',
    ]);
    expect(rotation.code).toBe(2);
    expect(rotation.stderr).toContain('no on-call rotation named "opps"');
    expect(rotation.stderr).toContain('did you mean `ops`?');
    const person = await dayshift([
      'oncall',
      'override',
      'ops',
      '--person',
      'eve',
      '--from',
      '2026-04-01',
      '--to',
      '2026-04-02',
    ]);
    expect(person.code).toBe(2);
    expect(person.stderr).toContain('no person named "eve"');
  });
});
