import type { Kysely } from 'kysely';
import { MaintenanceCalendar } from '../alerts/maintenance.js';
import type { StackConfig } from '../config/schema.js';
import { checksOf } from '../monitor/configured-checks.js';
import { checkStatuses } from '../monitor/status.js';
import type { Database } from '../store/schema.js';
import {
  COMPONENT_STATE_LABELS,
  type ComponentState,
  componentState,
  overallState,
  staleAfterOf,
} from './component-state.js';
import { recentReports } from './last-reports.js';
import { type PublicIncident, pageIncidents } from './page-incidents.js';
import { barStart, type ClosedDays, dailyCounts, type UptimeBar, uptimeBar } from './uptime-days.js';

const DAY = 86_400_000;
/** How far ahead maintenance is announced, and how long a resolved incident stays under "past". */
export const PAGE_HORIZON_MS = 7 * DAY;

export type StatusPageConfig = NonNullable<StackConfig['status_page']>;

/** One component (a service of `status_page.components`) as the page shows it. */
export interface PageComponent {
  name: string;
  state: ComponentState;
  label: string;
  /** The newest report of any of its checks; null when none ever reported. */
  updatedAt: number | null;
  /** How long its checks may stay silent before it is stale. */
  staleAfterMs: number;
  uptime: UptimeBar;
}

/** A maintenance window open now or starting within the horizon, as the page shows it. */
export interface PageMaintenance {
  name: string;
  description: string | null;
  startsAt: number;
  endsAt: number;
  active: boolean;
  /** The page's components it covers; every one when it covers the whole stack. */
  components: string[];
}

/** Everything the page, its JSON, its feed and its badges show: nothing else is read from the store. */
export interface StatusPage {
  title: string;
  description: string | null;
  generatedAt: number;
  state: ComponentState;
  label: string;
  components: PageComponent[];
  incidents: PublicIncident[];
  pastIncidents: PublicIncident[];
  maintenance: PageMaintenance[];
  uptimeDays: number;
}

/** Reads the page from the store: check states, incidents, maintenance and the uptime days. */
export async function readStatusPage(
  db: Kysely<Database>,
  config: StackConfig,
  page: StatusPageConfig,
  now: number,
  closed?: ClosedDays,
): Promise<StatusPage> {
  const checks = checksOf(config).filter((c) => page.components.includes(c.service));
  const from = barStart(now, page.uptime_days);
  const calendar = new MaintenanceCalendar(config, db);
  const ids = checks.map((c) => c.id);
  const [statuses, recent, counts, incidents, windows] = await Promise.all([
    checkStatuses(db, checks),
    recentReports(db, ids, now),
    dailyCounts(db, ids, from, now + 1, closed),
    pageIncidents(db, page.components, now - PAGE_HORIZON_MS),
    calendar.upcoming(now, PAGE_HORIZON_MS),
  ]);
  const byId = new Map(checks.map((c) => [c.id, c]));
  const components = page.components.map((name): PageComponent => {
    const mine = statuses.flatMap((status) => {
      const check = byId.get(status.id);
      if (!check || status.service !== name) return [];
      const newest = recent.get(status.id);
      const lastAt =
        newest !== undefined && (status.lastAt === null || newest > status.lastAt) ? newest : status.lastAt;
      return [{ ...status, lastAt, timeout: check.timeout }];
    });
    const staleAfterMs = staleAfterOf(mine, page.stale_after);
    const state = componentState(mine, now, staleAfterMs);
    const times = mine.flatMap((c) => (c.lastAt === null ? [] : [c.lastAt]));
    return {
      name,
      state,
      label: COMPONENT_STATE_LABELS[state],
      updatedAt: times.length > 0 ? Math.max(...times) : null,
      staleAfterMs,
      uptime: uptimeBar(
        counts,
        mine.map((c) => c.id),
        now,
        page.uptime_days,
      ),
    };
  });
  const state = overallState(components.map((c) => c.state));
  return {
    title: page.title,
    description: page.description ?? null,
    generatedAt: now,
    state,
    label: headline(state, incidents.open.length),
    components,
    incidents: incidents.open,
    pastIncidents: incidents.past,
    maintenance: windows.flatMap((w): PageMaintenance[] => {
      const covered =
        w.services === null ? [...page.components] : page.components.filter((c) => w.services?.includes(c));
      if (covered.length === 0) return [];
      return [
        {
          name: w.name,
          description: w.description ?? null,
          startsAt: w.startsAt,
          endsAt: w.endsAt,
          active: w.startsAt <= now && now < w.endsAt,
          components: covered,
        },
      ];
    }),
    uptimeDays: page.uptime_days,
  };
}

/** The page's one line: the worst component state, or the open incidents while every component is green. */
function headline(state: ComponentState, openIncidents: number): string {
  switch (state) {
    case 'operational':
      return openIncidents === 0
        ? 'All systems operational'
        : `${openIncidents === 1 ? 'An incident is' : `${openIncidents} incidents are`} under way`;
    case 'under_maintenance':
      return 'Maintenance in progress';
    case 'stale':
      return 'Some components have not reported recently';
    case 'unknown':
      return 'Some components have no state yet';
    default:
      return COMPONENT_STATE_LABELS[state];
  }
}
