/** The rollup resolutions, finest first: the one-letter codes stored in check_rollups.resolution. */
export const RESOLUTIONS = ['m', 'h', 'd'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Period length of each resolution. Days are UTC days, so periods nest: minutes in hours in days. */
export const PERIOD_MS: Readonly<Record<Resolution, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export const RESOLUTION_NAMES: Readonly<Record<Resolution, string>> = {
  m: 'minute',
  h: 'hour',
  d: 'day',
};

/** Where each resolution's rows come from: raw samples, or the next finer resolution. */
export const SOURCE_OF: Readonly<Record<Resolution, 'raw' | Resolution>> = { m: 'raw', h: 'm', d: 'h' };

export function floorTo(ms: number, period: number): number {
  return Math.floor(ms / period) * period;
}

export function ceilTo(ms: number, period: number): number {
  return Math.ceil(ms / period) * period;
}
