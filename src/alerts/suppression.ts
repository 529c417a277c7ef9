import type { MaintenanceCalendar, MaintenanceWindow } from './maintenance.js';
import { windowCovering } from './maintenance.js';
import { matchesAll, type Silences } from './silences.js';
import type { Silence } from './types.js';

/** What holds an alert's notifications back at one moment: a silence that matches it, or a window. */
export type Suppressor = (alert: {
  labels: Record<string, string>;
  service?: string | null;
}) => string | undefined;

export interface SuppressionSnapshot {
  silences: Silence[];
  windows: MaintenanceWindow[];
  suppressedBy: Suppressor;
}

/** Reads the silences and windows active at `now` once, for every alert looked at in one pass. */
export async function suppressionAt(
  silences: Silences,
  calendar: MaintenanceCalendar,
  now: number,
): Promise<SuppressionSnapshot> {
  const [active, windows] = await Promise.all([silences.active(now), calendar.active(now)]);
  return {
    silences: active,
    windows,
    suppressedBy: (alert) => {
      const silence = active.find((s) => matchesAll(s.matchers, alert.labels));
      if (silence) return `silence #${silence.id}`;
      const window = windowCovering(windows, alert.service);
      return window ? `maintenance ${window.name}` : undefined;
    },
  };
}
