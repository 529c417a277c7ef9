import { describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DEFAULT_INCIDENT_TEMPLATE, renderIncident } from '../../src/incidents/template.js';
import type { Incident, IncidentEvent } from '../../src/incidents/types.js';
import { exampleEnv } from '../helpers/examples.js';

/** The examples' communication templates are Mustache over the incident's fields, not placeholders. */

const T0 = Date.UTC(2026, 10, 20, 10, 0);

const incident: Incident = {
  id: 7,
  title: 'Inventory API errors',
  severity: 'critical',
  status: 'identified',
  services: ['api'],
  impact: '1200 users affected',
  eta: '30 minutes',
  openedAt: T0,
  openedBy: 'alert:3',
  acknowledgedAt: T0 + 240_000,
  acknowledgedBy: 'cli:alice',
  assignee: 'cli:alice',
  resolvedAt: null,
  resolvedBy: null,
  lastUpdateAt: T0 + 720_000,
  escalation: { step: 0, round: 0 },
  version: 3,
};

const timeline: IncidentEvent[] = [
  {
    id: 1,
    incidentId: 7,
    at: T0,
    type: 'opened',
    actor: 'alert:3',
    public: true,
    text: 'Initial alert received',
    data: null,
  },
  {
    id: 2,
    incidentId: 7,
    at: T0 + 540_000,
    type: 'note',
    actor: 'cli:alice',
    public: false,
    text: 'internal',
    data: null,
  },
  {
    id: 3,
    incidentId: 7,
    at: T0 + 720_000,
    type: 'status',
    actor: 'cli:alice',
    public: true,
    text: 'Root cause identified',
    data: null,
  },
];

function templateOf(file: string): string {
  const { config } = loadConfigOrThrow(file, { env: exampleEnv(file) });
  const template = config.incidents?.template;
  if (template === undefined) throw new Error(`${file} has no incidents.template`);
  return template;
}

describe("the examples' communication templates", () => {
  it("runbook 002's is runbook 002's communication template", () => {
    expect(renderIncident(incident, timeline, templateOf('examples/runbooks/002.yaml'))).toBe(
      renderIncident(incident, timeline, DEFAULT_INCIDENT_TEMPLATE),
    );
  });

  it("runbook 000's lists the timeline's public updates with who posted them", () => {
    const text = renderIncident(incident, timeline, templateOf('examples/runbooks/000.yaml'));
    expect(text.split('\n').slice(0, 5)).toEqual([
      'api: Inventory API errors',
      'Severity: CRITICAL   Status: IDENTIFIED',
      'Impact: 1200 users affected   ETA: 30 minutes',
      '- [2026-11-20 10:00:00 UTC] Initial alert received (alert:3)',
      '- [2026-11-20 10:12:00 UTC] Root cause identified (cli:alice)',
    ]);
    expect(text).toContain('dayshift incident report 7');
    expect(text).not.toContain('internal');
  });

  it.each(['000', '002'])('runbook %s leaves no single-brace placeholder', (n) => {
    const text = renderIncident(incident, timeline, templateOf(`examples/runbooks/${n}.yaml`));
    expect(text).not.toMatch(/\{[a-z_]+\}/);
  });
});
