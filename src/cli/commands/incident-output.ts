import type { IncidentDetail } from '../../incidents/detail.js';
import { describeEvent } from '../../incidents/report.js';
import type { Incident, IncidentEvent } from '../../incidents/types.js';
import { type Colour, colorsOn, paint } from '../../util/terminal.js';
import { formatTime, printTable } from '../table.js';

/** `incident #7 acknowledged: Checkout fails (critical, investigating)`. */
export function printChange(incident: Incident, what: string): void {
  process.stdout.write(
    `incident #${incident.id} ${what}: ${incident.title} (${incident.severity}, ${incident.status})\n`,
  );
}

export function printList(incidents: readonly Incident[], empty: string): void {
  if (incidents.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const colour = colorsOn(process.stdout);
  printTable(
    ['ID', 'STATUS', 'SEVERITY', 'TITLE', 'SERVICES', 'OPENED', 'ACK', 'ASSIGNEE'],
    incidents.map((i) => [
      String(i.id),
      paint(i.status, statusColour(i), colour),
      i.severity,
      i.title,
      i.services.join(',') || '-',
      formatTime(i.openedAt),
      i.acknowledgedBy ?? '-',
      i.assignee ?? '-',
    ]),
  );
}

/** The incident, then its whole timeline: time, who, what, and where to look further. */
export function printDetail(detail: IncidentDetail): void {
  const i = detail.incident;
  const when = (ms: number | null, who: string | null) => (ms === null ? '-' : `${formatTime(ms)} by ${who}`);
  process.stdout.write(
    [
      `incident #${i.id}  ${i.title}`,
      `  status    ${paint(i.status, statusColour(i), colorsOn(process.stdout))}`,
      `  severity  ${i.severity}`,
      `  services  ${i.services.join(', ') || 'all services'}`,
      `  impact    ${i.impact ?? '-'}`,
      `  eta       ${i.eta ?? '-'}`,
      `  opened    ${when(i.openedAt, i.openedBy)}`,
      `  acked     ${when(i.acknowledgedAt, i.acknowledgedBy)}`,
      `  assignee  ${i.assignee ?? '-'}`,
      `  resolved  ${when(i.resolvedAt, i.resolvedBy)}`,
      '',
      'timeline:',
      '',
    ].join('\n'),
  );
  printTable(
    ['AT', 'WHO', 'WHAT', 'SEE'],
    detail.timeline.map((e) => [formatTime(e.at), e.actor, describeEvent(e), linkOf(e)]),
  );
}

/** The command that shows what an event refers to: a run's evidence, an alert's notifications. */
export function linkOf(e: IncidentEvent): string {
  const data = e.data ?? {};
  if (e.type === 'run' && data.run !== undefined) return `dayshift run show ${String(data.run)}`;
  if ((e.type === 'alert.firing' || e.type === 'alert.resolved') && data.alert !== undefined)
    return `dayshift alerts show ${String(data.alert)}`;
  return '';
}

/**
 * An incident's status in the colour of the state it reads as: resolved is healthy, monitoring on its
 * way back (degraded), investigating and identified still hurting (unhealthy).
 */
function statusColour(i: Incident): Colour {
  if (i.status === 'resolved') return 'green';
  return i.status === 'monitoring' ? 'yellow' : 'red';
}
