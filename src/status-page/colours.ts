import type { ComponentState } from './component-state.js';
import type { DayLevel } from './uptime-days.js';

/** One colour per state, shared by the page and the badges; each reads with white text on it. */
export const STATE_COLOURS: Readonly<Record<ComponentState, string>> = {
  operational: '#2e7d32',
  degraded_performance: '#a15c00',
  partial_outage: '#d84315',
  major_outage: '#c62828',
  under_maintenance: '#1565c0',
  stale: '#616161',
  unknown: '#616161',
};

/** The uptime bar's day colours, by level. */
export const DAY_COLOURS: Readonly<Record<DayLevel, string>> = {
  up: '#43a047',
  minor: '#c0ca33',
  partial: '#fb8c00',
  major: '#e53935',
  none: '#cfd8dc',
};
