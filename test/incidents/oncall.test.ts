import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackConfig } from '../../src/config/schema.js';
import { DayshiftError } from '../../src/errors.js';
import { OnCall } from '../../src/incidents/oncall.js';
import { rotationShiftAt, shiftOf } from '../../src/incidents/oncall-rotation.js';
import type { Store } from '../../src/store/index.js';
import { formatWallTime } from '../../src/util/zoned-time.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A rotation of three, handing off at 09:00 local unless a case says otherwise. */
function rotation(over: { timezone: string; shift: number; start: string; handoff?: string }) {
  return { members: ['ann', 'bob', 'cat'], handoff: '09:00', ...over };
}

interface MathCase {
  name: string;
  timezone: string;
  shift: number;
  start: string;
  handoff?: string;
  /** The instant asked about, with its offset. */
  at: string;
  member: string;
  /** The shift's start and end as the zone's clocks show them. */
  from: string;
  to: string;
  hours: number;
}

/** The 2026 DST changes: Berlin 03-29 and 10-25, New York 03-08 and 11-01. */
const cases: MathCase[] = [
  // Berlin, daily, first day 2026-03-27 (ann), so bob has 03-28 and cat 03-29.
  {
    name: 'Berlin daily: the shift into the spring change is 23 h and ends at 09:00 CEST',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-03-27',
    at: '2026-03-29T08:59+02:00',
    member: 'bob',
    from: '2026-03-28 09:00',
    to: '2026-03-29 09:00',
    hours: 23,
  },
  {
    name: 'Berlin daily: the hand-off after the spring change is at 09:00 local',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-03-27',
    at: '2026-03-29T09:00+02:00',
    member: 'cat',
    from: '2026-03-29 09:00',
    to: '2026-03-30 09:00',
    hours: 24,
  },
  {
    name: 'Berlin daily: the shift over the autumn change is 25 h',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-10-24',
    at: '2026-10-25T08:59+01:00',
    member: 'ann',
    from: '2026-10-24 09:00',
    to: '2026-10-25 09:00',
    hours: 25,
  },
  {
    name: 'Berlin daily: the hand-off after the autumn change is at 09:00 CET',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-10-24',
    at: '2026-10-25T09:00+01:00',
    member: 'bob',
    from: '2026-10-25 09:00',
    to: '2026-10-26 09:00',
    hours: 24,
  },
  {
    name: 'Berlin weekly: the week over the spring change is 167 h, Monday 09:00 to Monday 09:00',
    timezone: 'Europe/Berlin',
    shift: 7 * DAY,
    start: '2026-03-16',
    at: '2026-03-29T12:00+02:00',
    member: 'bob',
    from: '2026-03-23 09:00',
    to: '2026-03-30 09:00',
    hours: 167,
  },
  {
    name: 'Berlin weekly: the week over the autumn change is 169 h',
    timezone: 'Europe/Berlin',
    shift: 7 * DAY,
    start: '2026-10-19',
    at: '2026-10-26T08:59+01:00',
    member: 'ann',
    from: '2026-10-19 09:00',
    to: '2026-10-26 09:00',
    hours: 169,
  },
  {
    name: 'Berlin: a hand-off at a local time the change skips falls an hour later',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-03-28',
    handoff: '02:30',
    at: '2026-03-29T03:29+02:00',
    member: 'ann',
    from: '2026-03-28 02:30',
    to: '2026-03-29 03:30',
    hours: 24,
  },
  // New York, daily, first day 2026-03-07 (ann).
  {
    name: 'New York daily: the shift into the spring change is 23 h',
    timezone: 'America/New_York',
    shift: DAY,
    start: '2026-03-07',
    at: '2026-03-08T08:59-04:00',
    member: 'ann',
    from: '2026-03-07 09:00',
    to: '2026-03-08 09:00',
    hours: 23,
  },
  {
    name: 'New York daily: the hand-off after the spring change is at 09:00 EDT',
    timezone: 'America/New_York',
    shift: DAY,
    start: '2026-03-07',
    at: '2026-03-08T09:00-04:00',
    member: 'bob',
    from: '2026-03-08 09:00',
    to: '2026-03-09 09:00',
    hours: 24,
  },
  {
    name: 'New York daily: the shift over the autumn change is 25 h and hands off at 09:00 EST',
    timezone: 'America/New_York',
    shift: DAY,
    start: '2026-10-31',
    at: '2026-11-01T08:59-05:00',
    member: 'ann',
    from: '2026-10-31 09:00',
    to: '2026-11-01 09:00',
    hours: 25,
  },
  {
    name: 'New York weekly: Sunday to Sunday over the spring change is 167 h',
    timezone: 'America/New_York',
    shift: 7 * DAY,
    start: '2026-03-01',
    at: '2026-03-08T08:59-04:00',
    member: 'ann',
    from: '2026-03-01 09:00',
    to: '2026-03-08 09:00',
    hours: 167,
  },
  // A 12 h shift hands off at 09:00 and 21:00 local every day, so the night with the change is shorter or longer.
  {
    name: 'New York 12 h: the night of the spring change is 11 h',
    timezone: 'America/New_York',
    shift: 12 * HOUR,
    start: '2026-03-07',
    at: '2026-03-08T03:00-04:00',
    member: 'bob',
    from: '2026-03-07 21:00',
    to: '2026-03-08 09:00',
    hours: 11,
  },
  {
    name: 'New York 12 h: the day after the spring change is 12 h, 09:00 to 21:00',
    timezone: 'America/New_York',
    shift: 12 * HOUR,
    start: '2026-03-07',
    at: '2026-03-08T09:00-04:00',
    member: 'cat',
    from: '2026-03-08 09:00',
    to: '2026-03-08 21:00',
    hours: 12,
  },
  {
    name: 'New York 12 h: the night of the autumn change is 13 h',
    timezone: 'America/New_York',
    shift: 12 * HOUR,
    start: '2026-10-31',
    at: '2026-11-01T01:30-05:00',
    member: 'bob',
    from: '2026-10-31 21:00',
    to: '2026-11-01 09:00',
    hours: 13,
  },
  {
    name: 'Berlin 12 h: the night of the autumn change is 13 h',
    timezone: 'Europe/Berlin',
    shift: 12 * HOUR,
    start: '2026-10-24',
    at: '2026-10-25T02:30+01:00',
    member: 'bob',
    from: '2026-10-24 21:00',
    to: '2026-10-25 09:00',
    hours: 13,
  },
  // Before `start` the rotation runs backwards: the member before the first held the shift before.
  {
    name: 'before the start, the last member holds the day before',
    timezone: 'Europe/Berlin',
    shift: DAY,
    start: '2026-03-27',
    at: '2026-03-26T12:00+01:00',
    member: 'cat',
    from: '2026-03-26 09:00',
    to: '2026-03-27 09:00',
    hours: 24,
  },
  {
    name: 'in UTC, a weekly rotation is plain arithmetic, 10 weeks on',
    timezone: 'UTC',
    shift: 7 * DAY,
    start: '2026-01-05',
    at: '2026-03-16T09:00Z',
    member: 'bob',
    from: '2026-03-16 09:00',
    to: '2026-03-23 09:00',
    hours: 168,
  },
];

describe('rotation math', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = rotation(c);
    const shift = rotationShiftAt(r, Date.parse(c.at));
    expect({
      member: shift.member,
      from: formatWallTime(shift.startsAt, c.timezone),
      to: formatWallTime(shift.endsAt, c.timezone),
      hours: (shift.endsAt - shift.startsAt) / HOUR,
    }).toEqual({ member: c.member, from: c.from, to: c.to, hours: c.hours });
    // The hand-off instants themselves belong to the shift they start.
    expect(rotationShiftAt(r, shift.startsAt).startsAt).toBe(shift.startsAt);
    expect(rotationShiftAt(r, shift.endsAt - 1).endsAt).toBe(shift.endsAt);
    expect(rotationShiftAt(r, shift.endsAt).startsAt).toBe(shift.endsAt);
  });

  it('walks a year of hourly, 12 h, daily and weekly shifts in two zones without a gap or an overlap', () => {
    for (const timezone of ['Europe/Berlin', 'America/New_York'])
      for (const shift of [HOUR, 12 * HOUR, DAY, 7 * DAY]) {
        const r = rotation({ timezone, shift, start: '2026-01-01' });
        let at = Date.parse('2026-01-01T00:00Z');
        let previous = rotationShiftAt(r, at);
        while (at < Date.parse('2027-01-01T00:00Z')) {
          const next = rotationShiftAt(r, previous.endsAt);
          expect(next.startsAt).toBe(previous.endsAt);
          // Only a shift whose whole local span a spring change skips (an hourly one at 02:00) is passed over.
          for (let skipped = previous.index + 1; skipped < next.index; skipped++) {
            const gone = shiftOf(r, skipped);
            expect(gone.endsAt - gone.startsAt, `shift ${skipped} in ${timezone}`).toBe(0);
          }
          expect(next.index).toBeGreaterThan(previous.index);
          expect(next.index - previous.index).toBeLessThanOrEqual(shift === HOUR ? 2 : 1);
          // Every hand-off is at 09:00 local (or on the hour, for hourly shifts), whatever the offset.
          const local = formatWallTime(next.startsAt, timezone).slice(11);
          if (shift >= DAY) expect(local).toBe('09:00');
          else if (shift === 12 * HOUR) expect(['09:00', '21:00']).toContain(local);
          else expect(local.endsWith(':00')).toBe(true);
          previous = next;
          at = next.startsAt;
        }
      }
  });
});

const YAML = `
version: 1
notifiers:
  hook: { webhook: { url: "http://127.0.0.1:9/hook" } }
people:
  ann: { name: Ann Smith, notify: [hook] }
  bob: { notify: [hook] }
  cat: { notify: [hook] }
  dan: { notify: [hook] }
oncall:
  ops: { members: [ann, bob, cat], shift: 1d, handoff: "09:00", timezone: Europe/Berlin, start: "2026-03-27" }
  night: { members: [cat, dan], shift: 12h, handoff: "08:00", timezone: America/New_York, start: "2026-03-01" }
`;

/** `2026-03-29 12:00` in Berlin. */
const berlin = (local: string) => Date.parse(`${local.replace(' ', 'T')}+02:00`);

describe.each(STORE_KINDS)('on-call overrides on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  let config: StackConfig;
  let oncall: OnCall;
  const created = berlin('2026-03-30 08:00');

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    config = stackFrom(YAML).config;
    oncall = new OnCall(store.db, config);
  });
  afterAll(async () => {
    await test.destroy();
  });

  it('answers the rotation where no override lies', async () => {
    expect(await oncall.now('ops', berlin('2026-03-30 12:00'))).toEqual({
      rotation: 'ops',
      person: 'ann',
      startsAt: berlin('2026-03-30 09:00'),
      endsAt: berlin('2026-03-31 09:00'),
    });
  });

  it('an override wins over the rotation for its span, and the rotation resumes when it ends', async () => {
    const swap = await oncall.addOverride(
      {
        rotation: 'ops',
        person: 'dan',
        startsAt: berlin('2026-03-30 12:00'),
        endsAt: berlin('2026-03-30 18:00'),
        reason: 'dentist',
        createdBy: 'ann',
      },
      created,
    );
    expect(swap).toMatchObject({ rotation: 'ops', person: 'dan', reason: 'dentist', createdBy: 'ann' });
    expect(await oncall.now('ops', berlin('2026-03-30 10:00'))).toEqual({
      rotation: 'ops',
      person: 'ann',
      startsAt: berlin('2026-03-30 09:00'),
      endsAt: berlin('2026-03-30 12:00'),
    });
    expect(await oncall.now('ops', berlin('2026-03-30 12:00'))).toEqual({
      rotation: 'ops',
      person: 'dan',
      startsAt: berlin('2026-03-30 12:00'),
      endsAt: berlin('2026-03-30 18:00'),
      override: { id: swap.id, reason: 'dentist' },
    });
    expect(await oncall.now('ops', berlin('2026-03-30 18:00'))).toEqual({
      rotation: 'ops',
      person: 'ann',
      startsAt: berlin('2026-03-30 18:00'),
      endsAt: berlin('2026-03-31 09:00'),
    });
    // Another rotation is not touched.
    expect((await oncall.now('night', berlin('2026-03-30 13:00'))).override).toBeUndefined();
  });

  it('the newest override wins where two overlap, and the older one holds around it', async () => {
    const older = await oncall.addOverride(
      {
        rotation: 'ops',
        person: 'cat',
        startsAt: berlin('2026-04-01 10:00'),
        endsAt: berlin('2026-04-01 20:00'),
        createdBy: 'bob',
      },
      created,
    );
    const newer = await oncall.addOverride(
      {
        rotation: 'ops',
        person: 'dan',
        startsAt: berlin('2026-04-01 12:00'),
        endsAt: berlin('2026-04-01 14:00'),
        createdBy: 'bob',
      },
      created + 1,
    );
    const at = async (local: string) => {
      const s = await oncall.now('ops', berlin(local));
      return [
        s.person,
        formatWallTime(s.startsAt, 'Europe/Berlin'),
        formatWallTime(s.endsAt, 'Europe/Berlin'),
      ];
    };
    expect(await at('2026-04-01 11:00')).toEqual(['cat', '2026-04-01 10:00', '2026-04-01 12:00']);
    expect(await at('2026-04-01 13:00')).toEqual(['dan', '2026-04-01 12:00', '2026-04-01 14:00']);
    expect(await at('2026-04-01 15:00')).toEqual(['cat', '2026-04-01 14:00', '2026-04-01 20:00']);
    // The rotation's own shift (cat's 04-01) is back after the override; ann's 04-02 follows.
    expect(await at('2026-04-01 21:00')).toEqual(['cat', '2026-04-01 20:00', '2026-04-02 09:00']);
    expect((await oncall.now('ops', berlin('2026-04-01 13:00'))).override?.id).toBe(newer.id);

    const next = await oncall.upcoming('ops', berlin('2026-04-01 09:30'), 5);
    expect(next.map((s) => [s.person, s.override?.id ?? null])).toEqual([
      ['cat', older.id],
      ['dan', newer.id],
      ['cat', older.id],
      ['cat', null],
      ['ann', null],
    ]);
    for (let i = 1; i < next.length; i++) expect(next[i]?.startsAt).toBe(next[i - 1]?.endsAt);
  });

  it('lists overrides soonest first, by rotation and not ended, and removes one', async () => {
    const all = await oncall.overrides('ops');
    expect(all.map((o) => o.person)).toEqual(['dan', 'cat', 'dan']);
    const later = await oncall.overrides(undefined, berlin('2026-03-31 00:00'));
    expect(later.map((o) => o.person)).toEqual(['cat', 'dan']);
    expect(await oncall.overrides('night')).toEqual([]);
    const first = all[0]?.id as number;
    expect(await oncall.removeOverride(first)).toBe(true);
    expect(await oncall.removeOverride(first)).toBe(false);
    expect((await oncall.now('ops', berlin('2026-03-30 13:00'))).person).toBe('ann');
  });

  it('refuses unknown rotations and people, and an override that ends before it starts', async () => {
    const refusal = async (work: () => Promise<unknown>) => {
      const error = await work().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DayshiftError);
      return error as DayshiftError;
    };
    const unknown = await refusal(() => oncall.now('opps', created));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.hint).toContain('did you mean `ops`?');
    expect((await refusal(() => oncall.upcoming('nope', created, 2))).hint).toContain(
      'rotations: ops, night',
    );
    const base = {
      rotation: 'ops',
      person: 'dan',
      startsAt: created,
      endsAt: created + HOUR,
      createdBy: 'x',
    };
    const nobody = await refusal(() => oncall.addOverride({ ...base, person: 'bobb' }, created));
    expect(nobody.code).toBe('BAD_REQUEST');
    expect(nobody.hint).toContain('did you mean `bob`?');
    const backwards = await refusal(() => oncall.addOverride({ ...base, endsAt: created - HOUR }, created));
    expect(backwards.code).toBe('BAD_REQUEST');
    expect(backwards.message).toContain('must end after it starts');
    expect((await refusal(() => oncall.addOverride({ ...base, rotation: 'x' }, created))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refusal(() => oncall.overrides('x'))).code).toBe('NOT_FOUND');
  });

  it('answers from a reloaded stack file, with the overrides the store keeps', async () => {
    const reloaded = new OnCall(store.db, config);
    reloaded.reload(stackFrom(YAML.replace('members: [ann, bob, cat]', 'members: [cat, bob, ann]')).config);
    expect((await reloaded.now('ops', berlin('2026-03-30 12:00'))).person).toBe('cat');
    expect((await reloaded.now('ops', berlin('2026-04-01 13:00'))).person).toBe('dan');
  });
});
