import { describe, expect, it } from 'vitest';
import { DEFAULT_INCIDENT_TEMPLATE, renderIncident } from '../../src/incidents/template.js';
import type { Incident, IncidentEvent } from '../../src/incidents/types.js';
import { checkTemplate } from '../../src/notifiers/shared/templates.js';

const T0 = Date.UTC(2026, 10, 20, 10, 0);
const MIN = 60_000;

const incident: Incident = {
  id: 7,
  title: 'Inventory API errors',
  severity: 'critical',
  status: 'monitoring',
  services: ['api'],
  impact: '1200 users affected',
  eta: '30 minutes',
  openedAt: T0,
  openedBy: 'alert:3',
  acknowledgedAt: T0 + 4 * MIN,
  acknowledgedBy: 'cli:alice',
  assignee: 'cli:alice',
  resolvedAt: null,
  resolvedBy: null,
  lastUpdateAt: T0 + 25 * MIN,
  escalation: { step: 0, round: 0 },
  version: 4,
};

function event(minutes: number, type: IncidentEvent['type'], text: string, isPublic: boolean): IncidentEvent {
  return {
    id: minutes,
    incidentId: 7,
    at: T0 + minutes * MIN,
    type,
    actor: 'cli:alice',
    public: isPublic,
    text,
    data: null,
  };
}

const timeline = [
  event(0, 'opened', 'Initial alert received', true),
  event(4, 'acknowledged', '', false),
  event(9, 'note', 'pool size looks wrong (internal)', false),
  event(12, 'status', 'Root cause identified', true),
  event(18, 'update', 'Mitigation in progress', true),
  event(25, 'status', 'Service restored', true),
];

describe('the communication template', () => {
  it("renders runbook 002's shape by default, with only the public updates", () => {
    expect(checkTemplate(DEFAULT_INCIDENT_TEMPLATE)).toBeUndefined();
    expect(renderIncident(incident, timeline)).toBe(
      [
        '🚨 INCIDENT: api - Inventory API errors',
        '',
        'Status: MONITORING',
        'Severity: CRITICAL',
        'Impact: 1200 users affected',
        'ETA: 30 minutes',
        '',
        'Updates:',
        '- [2026-11-20 10:00:00 UTC] Initial alert received',
        '- [2026-11-20 10:12:00 UTC] Root cause identified',
        '- [2026-11-20 10:18:00 UTC] Mitigation in progress',
        '- [2026-11-20 10:25:00 UTC] Service restored',
      ].join('\n'),
    );
  });

  it('renders a template of the file, saying unknown where impact and ETA are not known', () => {
    const text = renderIncident(
      { ...incident, impact: null, eta: null, services: [] },
      timeline.slice(0, 1),
      '{{service}} #{{id}} {{status_lower}}: impact {{impact}}, eta {{eta}}{{#updates}} | {{text}} by {{by}}{{/updates}}',
    );
    expect(text).toBe(
      'all services #7 monitoring: impact unknown, eta unknown | Initial alert received by cli:alice',
    );
  });
});
