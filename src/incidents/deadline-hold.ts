import type { Kysely } from 'kysely';
import { MaintenanceCalendar, type MaintenanceWindow } from '../alerts/maintenance.js';
import type { StackConfig } from '../config/schema.js';
import type { Database } from '../store/schema.js';
import type { Incident } from './types.js';

/**
 * The window that holds the incident's escalation at `now`: one over the whole stack, or windows
 * covering every service the incident touches. The hold lasts until the covering ends; the deadline
 * then runs again and looks once more (a window that follows holds it again).
 */
export async function holding(
  config: StackConfig,
  db: Kysely<Database>,
  incident: Incident,
  now: number,
): Promise<{ name: string; until: number } | undefined> {
  const windows = await new MaintenanceCalendar(config, db).active(now);
  const whole = windows.filter((w) => w.services === null);
  let until = Math.max(0, ...whole.map((w) => w.endsAt));
  let names = whole.map((w) => w.name);
  if (incident.services.length > 0) {
    const covering = (service: string): MaintenanceWindow[] =>
      windows.filter((w) => w.services?.includes(service));
    const ends = incident.services.map((s) => Math.max(0, ...covering(s).map((w) => w.endsAt)));
    const allCovered = Math.min(...ends);
    if (allCovered > until) {
      until = allCovered;
      names = [...new Set(incident.services.flatMap((s) => covering(s).map((w) => w.name)))];
    }
  }
  return until > now ? { name: names.join(', '), until } : undefined;
}
