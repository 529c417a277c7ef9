import { describe, expect, it } from 'vitest';
import type { SeverityPolicy } from '../../src/incidents/policy.js';
import { incidentReport } from '../../src/incidents/report.js';
import type { Incident, IncidentEvent } from '../../src/incidents/types.js';

/**
 * The post-incident report's figures as a table of scenarios: deadlines met, missed and still running,
 * and what the Response section says for each; escalations, missed deadlines and runs from the
 * timeline; Markdown cells that stay one cell whatever people typed.
 */

const T0 = Date.UTC(2026, 10, 20, 10, 0);
const MIN = 60_000;

const critical: SeverityPolicy = {
  severity: 'critical',
  respondWithin: 15 * MIN,
  resolveWithin: 4 * 60 * MIN,
  escalate: [],
  notify: [],
};

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 7,
    title: 'Inventory API errors',
    severity: 'critical',
    status: 'resolved',
    services: ['api'],
    impact: '1200 users affected',
    eta: null,
    openedAt: T0,
    openedBy: 'alert:3',
    acknowledgedAt: T0 + 4 * MIN,
    acknowledgedBy: 'cli:alice',
    assignee: 'cli:alice',
    resolvedAt: T0 + 50 * MIN,
    resolvedBy: 'cli:alice',
    lastUpdateAt: T0 + 50 * MIN,
    escalation: { step: 0, round: 0 },
    version: 5,
    ...over,
  };
}

let next = 1;
function event(
  minutes: number,
  type: IncidentEvent['type'],
  text: string | null,
  data: Record<string, unknown> | null = null,
): IncidentEvent {
  return {
    id: next++,
    incidentId: 7,
    at: T0 + minutes * MIN,
    type,
    actor: type.startsWith('deadline') || type === 'escalated' || type === 'run' ? 'dayshift' : 'cli:alice',
    public: ['opened', 'status', 'update', 'resolved'].includes(type),
    text,
    data,
  };
}

const opened = event(0, 'opened', 'Initial alert received', { severity: 'critical' });

describe('the post-incident report', () => {
  it.each([
    {
      scenario: 'acknowledged and resolved in time',
      timeline: [opened, event(4, 'acknowledged', null), event(50, 'resolved', 'Service restored')],
      over: {},
      now: T0 + 60 * MIN,
      lines: [
        '- Time to acknowledge: acknowledged in 4m (deadline 15m: met)',
        '- Time to resolve: resolved in 50m (deadline 4h: met)',
      ],
      figures: {
        mttaMs: 4 * MIN,
        mttrMs: 50 * MIN,
        respond: { outcome: 'met' },
        resolve: { outcome: 'met' },
      },
    },
    {
      scenario: 'acknowledged late, resolved past its deadline',
      timeline: [opened, event(22, 'acknowledged', null), event(5 * 60, 'resolved', 'Service restored')],
      over: { acknowledgedAt: T0 + 22 * MIN, resolvedAt: T0 + 300 * MIN },
      now: T0 + 400 * MIN,
      lines: [
        '- Time to acknowledge: acknowledged in 22m (deadline 15m: missed)',
        '- Time to resolve: resolved in 5h (deadline 4h: missed)',
      ],
      figures: {
        mttaMs: 22 * MIN,
        mttrMs: 300 * MIN,
        respond: { outcome: 'missed' },
        resolve: { outcome: 'missed' },
      },
    },
    {
      scenario: 'open, not acknowledged past its deadline',
      timeline: [opened],
      over: {
        status: 'investigating',
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
      },
      now: T0 + 20 * MIN,
      lines: [
        '- Time to acknowledge: not acknowledged yet (deadline 15m: missed)',
        '- Time to resolve: not resolved yet (deadline 4h: running)',
      ],
      figures: {
        mttaMs: null,
        mttrMs: null,
        respond: { outcome: 'missed' },
        resolve: { outcome: 'pending' },
      },
    },
  ] as const)('$scenario', ({ timeline, over, now, lines, figures }) => {
    const report = incidentReport(incident(over as Partial<Incident>), timeline, critical, now);
    for (const line of lines) expect(report.markdown).toContain(`${line}\n`);
    expect(report.figures).toMatchObject(figures);
  });

  it('says so when the severity has no deadline to resolve, or the file no longer knows it', () => {
    const timeline = [opened, event(4, 'acknowledged', null), event(50, 'resolved', 'ok')];
    const noResolve = incidentReport(incident(), timeline, { ...critical, resolveWithin: undefined }, T0);
    expect(noResolve.markdown).toContain('- Time to resolve: resolved in 50m (no deadline)\n');
    expect(noResolve.figures.resolve).toEqual({ tookMs: 50 * MIN, withinMs: null, outcome: 'none' });
    const unknown = incidentReport(incident(), timeline, undefined, T0);
    expect(unknown.markdown).toContain('- Time to acknowledge: acknowledged in 4m (no deadline)\n');
  });

  it('lists missed deadlines, escalations and runs from the timeline', () => {
    const timeline = [
      opened,
      event(15, 'deadline.missed', 'respond deadline missed', { deadline: 'respond', due: T0 + 15 * MIN }),
      event(15, 'escalated', 'notified vp-eng, cto', { step: 0, round: 0, targets: ['vp-eng', 'cto'] }),
      event(25, 'escalated', 'notified oncall:primary', { step: 2, round: 1, targets: ['oncall:primary'] }),
      event(30, 'acknowledged', null),
      event(35, 'run', 'deploy web', {
        run: 41,
        kind: 'deploy',
        name: 'web',
        status: 'succeeded',
        url: '/api/v1/runs/41',
      }),
      event(50, 'resolved', 'Service restored'),
    ];
    const { markdown, figures } = incidentReport(
      incident({ acknowledgedAt: T0 + 30 * MIN }),
      timeline,
      critical,
      T0 + 60 * MIN,
    );
    expect(markdown).toContain(
      [
        '- Deadlines missed:',
        '  - respond, due 2026-11-20 10:15:00 UTC, recorded missed at 2026-11-20 10:15:00 UTC',
        '- Escalations run:',
        '  - 2026-11-20 10:15:00 UTC: step 1, notified vp-eng, cto',
        '  - 2026-11-20 10:25:00 UTC: step 3 (round 2), notified oncall:primary',
      ].join('\n'),
    );
    expect(markdown).toContain(
      '- 2026-11-20 10:35:00 UTC: deploy web (run 41): succeeded; `dayshift run show 41` (/api/v1/runs/41)',
    );
    expect(figures.deadlinesMissed).toEqual([{ at: T0 + 15 * MIN, deadline: 'respond', due: T0 + 15 * MIN }]);
    expect(figures.escalations.map((e) => e.targets)).toEqual([['vp-eng', 'cto'], ['oncall:primary']]);
    expect(figures.runs).toEqual([
      {
        at: T0 + 35 * MIN,
        run: 41,
        kind: 'deploy',
        name: 'web',
        status: 'succeeded',
        url: '/api/v1/runs/41',
      },
    ]);
  });

  it('keeps what people typed inside its table cell: pipes escaped, line breaks joined', () => {
    const timeline = [opened, event(9, 'note', 'db | cache\nboth slow')];
    const { markdown } = incidentReport(
      incident({ title: 'A | B', status: 'investigating', resolvedAt: null }),
      timeline,
      critical,
      T0 + 10 * MIN,
    );
    expect(markdown.split('\n')[0]).toBe('# Incident #7: A | B');
    expect(markdown).toContain(
      '| 2026-11-20 10:09:00 UTC | cli:alice | note (internal): db \\| cache both slow |',
    );
  });
});
