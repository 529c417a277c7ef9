import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, isoWeek, type KeepPolicy } from '../../src/backup/repositories/shared/retention.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** 400 days of nightly snapshots at 03:00 UTC up to Friday 2026-11-20, and a busy last two days. */
const END = Date.UTC(2026, 10, 20, 3, 0);
const HISTORY = [
  ...Array.from({ length: 400 }, (_, i) => ({ time: END - i * DAY })),
  { time: END + 6 * HOUR },
  { time: END + 12 * HOUR },
  { time: END + 18 * HOUR },
  { time: END - DAY + 18 * HOUR },
];

const at = (iso: string) => Date.parse(iso.length === 10 ? `${iso}T03:00:00Z` : `${iso}:00Z`);
const kept = (policy: KeepPolicy, timeZone?: string) =>
  applyRetention(HISTORY, policy, timeZone).keep.map((k) => k.snapshot.time);

describe('retention over a 400-day history, as restic forget --keep-* keeps', () => {
  const scenarios: Array<[string, KeepPolicy, string[]]> = [
    ['last 3', { last: 3 }, ['2026-11-20T21:00', '2026-11-20T15:00', '2026-11-20T09:00']],
    [
      'hourly 5: the newest of each of the 5 newest hours',
      { hourly: 5 },
      ['2026-11-20T21:00', '2026-11-20T15:00', '2026-11-20T09:00', '2026-11-20', '2026-11-19T21:00'],
    ],
    [
      'daily 7: the newest of each of the 7 newest days',
      { daily: 7 },
      [
        '2026-11-20T21:00',
        '2026-11-19T21:00',
        '2026-11-18',
        '2026-11-17',
        '2026-11-16',
        '2026-11-15',
        '2026-11-14',
      ],
    ],
    [
      'weekly 4: ISO weeks, the newest of each (Sundays before this week)',
      { weekly: 4 },
      ['2026-11-20T21:00', '2026-11-15', '2026-11-08', '2026-11-01'],
    ],
    [
      'monthly 6: the last snapshot of each month',
      { monthly: 6 },
      ['2026-11-20T21:00', '2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30'],
    ],
    ['yearly 3: only two years have snapshots', { yearly: 3 }, ['2026-11-20T21:00', '2025-12-31']],
    [
      'last 3, daily 7, weekly 4, monthly 6 (the DESIGN example): a union, each rule counting on its own',
      { last: 3, daily: 7, weekly: 4, monthly: 6 },
      [
        '2026-11-20T21:00',
        '2026-11-20T15:00',
        '2026-11-20T09:00',
        '2026-11-19T21:00',
        '2026-11-18',
        '2026-11-17',
        '2026-11-16',
        '2026-11-15',
        '2026-11-14',
        '2026-11-08',
        '2026-11-01',
        '2026-10-31',
        '2026-09-30',
        '2026-08-31',
        '2026-07-31',
        '2026-06-30',
      ],
    ],
  ];

  it.each(scenarios)('%s', (_name, policy, expected) => {
    expect(kept(policy)).toEqual(expected.map(at));
    const decision = applyRetention(HISTORY, policy);
    expect(decision.keep.length + decision.remove.length).toBe(HISTORY.length);
  });

  it('an empty policy keeps everything', () => {
    expect(applyRetention(HISTORY, {}).remove).toEqual([]);
  });

  it('says which rules kept each snapshot', () => {
    const decision = applyRetention(HISTORY, { last: 1, daily: 2, monthly: 2 });
    expect(decision.keep.map((k) => k.reasons)).toEqual([
      ['last', 'daily', 'monthly'],
      ['daily'],
      ['monthly'],
    ]);
  });

  it('reads days in the backup time zone', () => {
    // 03:00 UTC is the evening before in New York: that snapshot is the 19th's there.
    expect(kept({ daily: 2 }, 'America/New_York')).toEqual([at('2026-11-20T21:00'), at('2026-11-20')]);
    expect(kept({ daily: 2 })).toEqual([at('2026-11-20T21:00'), at('2026-11-19T21:00')]);
  });

  it('numbers ISO weeks across year ends', () => {
    expect(isoWeek(2026, 1, 1)).toEqual({ year: 2026, week: 1 });
    expect(isoWeek(2027, 1, 1)).toEqual({ year: 2026, week: 53 });
    expect(isoWeek(2024, 12, 30)).toEqual({ year: 2025, week: 1 });
    expect(isoWeek(2026, 11, 20)).toEqual({ year: 2026, week: 47 });
  });
});

describe('the same decisions as the restic binary (restic 0.14 on this machine)', () => {
  let dir: string;
  const env = () => ({
    ...process.env,
    RESTIC_REPOSITORY: path.join(dir, 'repo'),
    RESTIC_PASSWORD: 'retention-test',
    TZ: 'UTC',
  });
  // Irregular times over 400 days: gaps, several a day, several an hour, month and year ends.
  const times = [
    ...Array.from({ length: 24 }, (_, i) => END - Math.round(i * 17.3 * DAY + (i % 5) * 5 * HOUR)),
    END + HOUR,
    END + 90 * 60_000,
    END + 7 * HOUR,
    END - DAY + 20 * HOUR,
    Date.UTC(2025, 11, 31, 23, 30),
    Date.UTC(2026, 0, 1, 0, 30),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-retention-'));
    await run('restic', ['init', '-q'], { env: env() });
    const backup = async (time: number) => {
      const stamp = new Date(time).toISOString().slice(0, 19).replace('T', ' ');
      const child = run(
        'restic',
        ['backup', '-q', '--stdin', '--stdin-filename', 'db.dump', '--host', 'h', '--time', stamp],
        { env: env() },
      );
      child.child.stdin?.end(stamp);
      await child;
    };
    for (const time of times) await backup(time);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const policies: KeepPolicy[] = [
    { last: 4 },
    { hourly: 6 },
    { daily: 7 },
    { weekly: 5 },
    { monthly: 6, yearly: 2 },
    { last: 2, daily: 3, weekly: 4, monthly: 12, yearly: 5 },
  ];

  it.each(policies)('keeps what restic forget keeps for %o', async (policy) => {
    const flags = Object.entries(policy).flatMap(([rule, n]) => [`--keep-${rule}`, String(n)]);
    const { stdout } = await run('restic', ['forget', '--dry-run', '--json', '--host', 'h', ...flags], {
      env: env(),
    });
    const groups = JSON.parse(stdout) as Array<{ keep: Array<{ time: string }> }>;
    const resticKept = groups.flatMap((g) => g.keep.map((s) => Date.parse(s.time))).sort((a, b) => b - a);
    const ours = applyRetention(
      times.map((time) => ({ time })),
      policy,
    ).keep.map((k) => k.snapshot.time);
    expect(ours).toEqual(resticKept);
  });
});
