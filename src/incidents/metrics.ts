import type { Kysely } from 'kysely';
import { severitiesOf } from '../alerts/routing.js';
import type { StackConfig } from '../config/schema.js';
import { escapeLabel, family, type StoreSeries } from '../http/prom-text.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { INCIDENT_STATUSES } from './types.js';

/** MTTA and MTTR are means over the incidents acknowledged (resolved) within this window. */
export const MEAN_WINDOW_MS = 30 * 24 * 3_600_000;

const OPEN = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/** The deadlines a `deadline.missed` event names; each is a series even before one is missed. */
const DEADLINES = ['respond', 'update', 'resolve'] as const;

interface PerSeverity {
  open: number;
  mttaMs: number | null;
  mttrMs: number | null;
}

/**
 * Incident series, read from the store at scrape time so every node reports the same figures: open
 * incidents, MTTA and MTTR over the last 30 days, and deadlines missed, each by severity. Two queries:
 * one aggregate over the incidents open or acknowledged or resolved in the window, one over the
 * `deadline.missed` events (few: one per deadline missed).
 */
export function incidentSeries(env: {
  db: Kysely<Database>;
  clock: Clock;
  config: () => StackConfig;
}): StoreSeries {
  return async () => {
    const { db, clock } = env;
    const since = clock.now() - MEAN_WINDOW_MS;
    const known = severitiesOf(env.config());
    const rows = await db
      .selectFrom('incidents')
      .select((eb) => [
        'severity',
        eb.fn.sum<number | string>(eb.case().when('status', 'in', OPEN).then(1).else(0).end()).as('open'),
        eb.fn
          .avg<number | string | null>(
            eb
              .case()
              .when('acknowledged_at', '>=', since)
              .then(eb('acknowledged_at', '-', eb.ref('opened_at')))
              .end(),
          )
          .as('mtta'),
        eb.fn
          .avg<number | string | null>(
            eb
              .case()
              .when('resolved_at', '>=', since)
              .then(eb('resolved_at', '-', eb.ref('opened_at')))
              .end(),
          )
          .as('mttr'),
      ])
      .where((eb) =>
        eb.or([eb('status', 'in', OPEN), eb('acknowledged_at', '>=', since), eb('resolved_at', '>=', since)]),
      )
      .groupBy('severity')
      .execute();
    const by = new Map<string, PerSeverity>(
      known.map((s) => [s, { open: 0, mttaMs: null, mttrMs: null }] as const),
    );
    for (const r of rows)
      by.set(r.severity, {
        open: Number(r.open),
        mttaMs: r.mtta === null ? null : Number(r.mtta),
        mttrMs: r.mttr === null ? null : Number(r.mttr),
      });

    const missed = await db
      .selectFrom('incident_events as e')
      .innerJoin('incidents as i', 'i.id', 'e.incident_id')
      .select(['i.severity', 'e.data'])
      .where('e.type', '=', 'deadline.missed')
      .execute();
    const counts = new Map<string, number>();
    for (const severity of by.keys()) for (const d of DEADLINES) counts.set(`${severity}\n${d}`, 0);
    for (const m of missed) {
      const deadline =
        (m.data ? (JSON.parse(m.data) as { deadline?: unknown }).deadline : undefined) ?? 'unknown';
      const key = `${m.severity}\n${String(deadline)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }

    const label = (severity: string) => `severity="${escapeLabel(severity)}"`;
    const seconds = (ms: number | null) => (ms === null ? [] : [ms / 1000]);
    const lines = (value: (p: PerSeverity) => number[], name: string) =>
      [...by].flatMap(([severity, p]) => value(p).map((v) => `${name}{${label(severity)}} ${v}`));
    return [
      family(
        'dayshift_incidents_open',
        'gauge',
        'Incidents not resolved, by severity.',
        lines((p) => [p.open], 'dayshift_incidents_open'),
      ),
      family(
        'dayshift_incident_mtta_seconds',
        'gauge',
        'Mean time from opening to acknowledgement of the incidents acknowledged in the last 30 days.',
        lines((p) => seconds(p.mttaMs), 'dayshift_incident_mtta_seconds'),
      ),
      family(
        'dayshift_incident_mttr_seconds',
        'gauge',
        'Mean time from opening to resolution of the incidents resolved in the last 30 days.',
        lines((p) => seconds(p.mttrMs), 'dayshift_incident_mttr_seconds'),
      ),
      family(
        'dayshift_incident_deadlines_missed_total',
        'counter',
        'Response deadlines missed (deadline.missed timeline events), by severity and deadline.',
        [...counts].map(([key, n]) => {
          const [severity, deadline] = key.split('\n') as [string, string];
          return `dayshift_incident_deadlines_missed_total{${label(severity)},deadline="${escapeLabel(deadline)}"} ${n}`;
        }),
      ),
    ].join('');
  };
}
