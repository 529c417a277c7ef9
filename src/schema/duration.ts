const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Parses `250ms`, `10s`, `5m`, `2h`, `14d`, `1h30m` to milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const match = PART.exec(trimmed);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds the way a person writes them: `90s` → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/**
 * A measured duration for people to read, to two units at most and rounded to the smaller one:
 * `250ms`, `1.3s`, `42s`, `4m12s`, `26h`, `1h30m`, `3d4h`. Hours run up to two days, as people write
 * an RPO of 25h rather than 1d1h.
 */
export function describeDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${describeDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 9_950) return `${Number((ms / 1_000).toFixed(1))}s`;
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) => {
    const smalls = Math.round(ms / small);
    const per = big / small;
    const whole = Math.floor(smalls / per);
    const rest = smalls - whole * per;
    return whole === 0 ? `${rest}${smallUnit}` : `${whole}${bigUnit}${rest ? `${rest}${smallUnit}` : ''}`;
  };
  if (ms < 3_600_000 - 500) return pair(60_000, 'm', 1_000, 's');
  if (ms < 48 * 3_600_000 - 30_000) return pair(3_600_000, 'h', 60_000, 'm');
  return pair(86_400_000, 'd', 3_600_000, 'h');
}
