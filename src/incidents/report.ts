import { human } from '../notifiers/shared/templates.js';
import { describeDuration } from '../schema/duration.js';
import type { SeverityPolicy } from './policy.js';
import type { Incident, IncidentEvent } from './types.js';

/** How a deadline ended: met in time, missed, or still running (`pending`), or none set. */
export type DeadlineOutcome = 'met' | 'missed' | 'pending' | 'none';

/** One response measure of the report: how long it took against the severity's deadline. */
export interface ResponseFigure {
  /** Milliseconds from opened to acknowledged (MTTA) or to resolved (MTTR); null until it happens. */
  tookMs: number | null;
  /** The severity's deadline (`respond_within`, `resolve_within`), when it has one. */
  withinMs: number | null;
  outcome: DeadlineOutcome;
}

/** A runbook run or a deploy on one of the incident's services, as its `run` timeline event says. */
export interface ReportRun {
  at: number;
  run: number | null;
  kind: string | null;
  name: string | null;
  status: string | null;
  url: string | null;
}

/** The report's figures, as `?format=json` answers them. Times are epoch milliseconds. */
export interface ReportFigures {
  id: number;
  title: string;
  severity: string;
  status: Incident['status'];
  services: string[];
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** Time to acknowledge: from the timeline's `opened` event to its first `acknowledged` one. */
  mttaMs: number | null;
  /** Time to resolve: from the timeline's `opened` event to its `resolved` one. */
  mttrMs: number | null;
  respond: ResponseFigure;
  resolve: ResponseFigure;
  deadlinesMissed: Array<{ at: number; deadline: string; due: number | null }>;
  escalations: Array<{ at: number; step: number | null; round: number | null; targets: string[] }>;
  runs: ReportRun[];
}

/** The post-incident report: the Markdown people complete, and the figures it states. */
export interface IncidentReport {
  markdown: string;
  figures: ReportFigures;
}

/**
 * Builds the post-incident report from the incident and its whole timeline, internal notes included:
 * it is for the team. MTTA and MTTR are read from the timeline's events, so the report says what the
 * timeline shows; `now` decides whether a deadline not yet met is missed or still running.
 */
export function incidentReport(
  incident: Incident,
  timeline: readonly IncidentEvent[],
  policy: SeverityPolicy | undefined,
  now: number,
): IncidentReport {
  const figures = reportFigures(incident, timeline, policy, now);
  return { markdown: renderReport(incident, timeline, figures), figures };
}

export function reportFigures(
  incident: Incident,
  timeline: readonly IncidentEvent[],
  policy: SeverityPolicy | undefined,
  now: number,
): ReportFigures {
  const first = (type: IncidentEvent['type']) => timeline.find((e) => e.type === type)?.at;
  const opened = first('opened') ?? incident.openedAt;
  const acknowledged = first('acknowledged') ?? incident.acknowledgedAt ?? undefined;
  const resolved =
    incident.status === 'resolved'
      ? (timeline.findLast((e) => e.type === 'resolved')?.at ?? incident.resolvedAt ?? undefined)
      : undefined;
  const mttaMs = acknowledged === undefined ? null : acknowledged - opened;
  const mttrMs = resolved === undefined ? null : resolved - opened;
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    services: [...incident.services],
    openedAt: opened,
    acknowledgedAt: acknowledged ?? null,
    resolvedAt: resolved ?? null,
    mttaMs,
    mttrMs,
    respond: figure(mttaMs, policy?.respondWithin, now - opened),
    resolve: figure(mttrMs, policy?.resolveWithin, now - opened),
    deadlinesMissed: timeline
      .filter((e) => e.type === 'deadline.missed')
      .map((e) => ({
        at: e.at,
        deadline: String(e.data?.deadline ?? 'deadline'),
        due: numberOr(e.data?.due),
      })),
    escalations: timeline
      .filter((e) => e.type === 'escalated')
      .map((e) => ({
        at: e.at,
        step: numberOr(e.data?.step),
        round: numberOr(e.data?.round),
        targets: Array.isArray(e.data?.targets) ? e.data.targets.map(targetName) : [],
      })),
    runs: runsOf(timeline),
  };
}

/** Each run once: when it started on the timeline, with the status of its latest event (its end, once ended). */
function runsOf(timeline: readonly IncidentEvent[]): ReportRun[] {
  const byRun = new Map<string, ReportRun>();
  for (const e of timeline) {
    if (e.type !== 'run') continue;
    const run = numberOr(e.data?.run);
    const key = run === null ? `event:${e.id}` : String(run);
    const seen = byRun.get(key);
    byRun.set(key, {
      at: seen?.at ?? e.at,
      run,
      kind: stringOr(e.data?.kind) ?? seen?.kind ?? null,
      name: stringOr(e.data?.name) ?? seen?.name ?? null,
      status: stringOr(e.data?.status) ?? seen?.status ?? null,
      url: stringOr(e.data?.url) ?? seen?.url ?? null,
    });
  }
  return [...byRun.values()];
}

/** A deadline is met when the thing happened no later than it was due (the core's `now <= due`). */
function figure(tookMs: number | null, withinMs: number | undefined, elapsed: number): ResponseFigure {
  if (withinMs === undefined) return { tookMs, withinMs: null, outcome: 'none' };
  const outcome: DeadlineOutcome =
    tookMs === null ? (elapsed > withinMs ? 'missed' : 'pending') : tookMs <= withinMs ? 'met' : 'missed';
  return { tookMs, withinMs, outcome };
}

function renderReport(incident: Incident, timeline: readonly IncidentEvent[], f: ReportFigures): string {
  const at = (ms: number | null) => (ms === null ? '-' : (human(new Date(ms).toISOString()) ?? '-'));
  const by = (ms: number | null, who: string | null) => (ms === null ? '-' : `${at(ms)} by ${who ?? '?'}`);
  const lines = [
    `# Incident #${incident.id}: ${oneLine(incident.title)}`,
    '',
    '## Summary',
    '',
    '| | |',
    '|---|---|',
    `| Severity | ${incident.severity} |`,
    `| Services | ${cell(incident.services.join(', ') || 'all services')} |`,
    `| Status | ${incident.status} |`,
    `| Opened | ${cell(by(f.openedAt, incident.openedBy))} |`,
    `| Acknowledged | ${cell(by(f.acknowledgedAt, incident.acknowledgedBy))} |`,
    `| Assignee | ${cell(incident.assignee ?? '-')} |`,
    `| Resolved | ${cell(by(f.resolvedAt, incident.resolvedBy))} |`,
    '',
    '## Impact',
    '',
    incident.impact ? incident.impact : '_not stated_',
    ...(incident.eta ? ['', `ETA given: ${incident.eta}`] : []),
    '',
    '## Timeline',
    '',
    '| time | who | what |',
    '|---|---|---|',
    ...timeline.map((e) => `| ${at(e.at)} | ${cell(e.actor)} | ${cell(describeEvent(e))} |`),
    '',
    '## Response',
    '',
    `- Time to acknowledge: ${responseLine('acknowledged', f.respond)}`,
    `- Time to resolve: ${responseLine('resolved', f.resolve)}`,
    `- Deadlines missed:${f.deadlinesMissed.length === 0 ? ' none' : ''}`,
    ...f.deadlinesMissed.map((d) => `  - ${d.deadline}, due ${at(d.due)}, recorded missed at ${at(d.at)}`),
    `- Escalations run:${f.escalations.length === 0 ? ' none' : ''}`,
    ...f.escalations.map(
      (e) =>
        `  - ${at(e.at)}: step ${e.step === null ? '?' : e.step + 1}${e.round ? ` (round ${e.round + 1})` : ''}, notified ${e.targets.join(', ') || 'nobody'}`,
    ),
    '',
    '## Runs and deploys involved',
    '',
    ...(f.runs.length === 0
      ? ['_none recorded on the timeline_']
      : f.runs.map(
          (r) =>
            `- ${at(r.at)}: ${[r.kind ?? 'run', r.name].filter(Boolean).join(' ')} (run ${r.run ?? '?'}): ${r.status ?? 'unknown'}${r.run === null ? '' : `; \`dayshift run show ${r.run}\``}${r.url ? ` (${r.url})` : ''}`,
        )),
    '',
    '## Root cause',
    '',
    '_to be written_',
    '',
    '## Action items',
    '',
    // The space makes it a task item in every renderer; `- [ ]` alone is not one in some.
    '- [ ] ',
    '',
  ];
  return lines.join('\n');
}

/** "acknowledged in 4m (deadline 15m: met)". */
function responseLine(verb: string, r: ResponseFigure): string {
  const deadline = r.withinMs === null ? 'no deadline' : `deadline ${describeDuration(r.withinMs)}`;
  if (r.tookMs === null)
    return `not ${verb} yet (${deadline}${r.outcome === 'missed' ? ': missed' : r.outcome === 'pending' ? ': running' : ''})`;
  return `${verb} in ${describeDuration(r.tookMs)} (${deadline}${r.outcome === 'none' ? '' : `: ${r.outcome}`})`;
}

/** What a timeline event says, in one line: its kind, and its text or the data that names it. */
export function describeEvent(e: IncidentEvent): string {
  const text = e.text ? oneLine(e.text) : '';
  const d = e.data ?? {};
  switch (e.type) {
    case 'opened':
      return `opened (${String(d.severity ?? '')}): ${text}`;
    case 'status':
      return `status ${String(d.from ?? '?')} → ${String(d.to ?? '?')}: ${text}`;
    case 'update':
      return `update: ${text}`;
    case 'note':
      return `note (internal): ${text}`;
    case 'acknowledged':
      return 'acknowledged';
    case 'assigned':
      return `assigned to ${text}`;
    case 'severity':
      return `severity ${text}`;
    case 'resolved':
      return `resolved: ${text}`;
    case 'alert.firing':
      return `alert ${String(d.alert ?? '?')} firing: ${text}`;
    case 'alert.resolved':
      return `alert ${String(d.alert ?? '?')} resolved: ${text}`;
    case 'deadline.met':
    case 'deadline.missed':
      return (
        text ||
        `${String(d.deadline ?? '')} ${e.type === 'deadline.met' ? 'deadline met' : 'deadline missed'}`
      );
    case 'run':
      return `${String(d.kind ?? 'run')} ${String(d.name ?? '')} (run ${String(d.run ?? '?')}): ${String(d.status ?? '')}`;
    default:
      return text ? `${e.type}: ${text}` : e.type;
  }
}

/** Text on one line: a table cell or a heading holds no line break. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/** A Markdown table cell: one line, its pipes escaped. */
function cell(text: string): string {
  return oneLine(text).replaceAll('|', '\\|');
}

/** An escalation's target as its event records it (`{ target, person? }`), or a plain name. */
function targetName(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'target' in value) {
    const { target, person } = value as { target: unknown; person?: unknown };
    return typeof person === 'string' && person !== target ? `${String(target)} (${person})` : String(target);
  }
  return String(value);
}

function numberOr(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOr(value: unknown): string | null {
  return typeof value === 'string' ? value : value === undefined || value === null ? null : String(value);
}
