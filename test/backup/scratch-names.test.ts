import { describe, expect, it } from 'vitest';
import { abandonedScratch, scratchName } from '../../src/backup/sources/shared/scratch-names.js';

describe('scratch database names', () => {
  const now = Date.UTC(2026, 11, 2, 12, 0);
  const day = 24 * 3_600_000;

  it('are unique and carry the minute they were made', () => {
    const name = scratchName(new Date(now));
    expect(name).toMatch(/^dayshift_drill_202612021200_[0-9a-f]{6}$/);
    expect(scratchName(new Date(now))).not.toBe(name);
  });

  it('count as abandoned only past the age given, and only when they are scratch names', () => {
    const names = [
      scratchName(new Date(now - day - 60_000)),
      scratchName(new Date(now - day + 60_000)),
      scratchName(new Date(now)),
      'dayshift_drill_notatime_abcdef',
      'app_production',
      'dayshift_drill_202001010000_abcdef_copy',
    ];
    expect(abandonedScratch(names, now, day)).toEqual([names[0]]);
    expect(abandonedScratch(names, now, 0)).toEqual([names[0], names[1]]);
  });
});
