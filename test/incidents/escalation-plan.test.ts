import { describe, expect, it } from 'vitest';
import { planEscalation } from '../../src/incidents/escalation.js';
import type { EscalationStep } from '../../src/incidents/policy.js';
import type { EscalationState, Incident } from '../../src/incidents/types.js';
import { stackFrom } from '../helpers/stack.js';

/** The chain's semantics as a table: which steps run, what they send, where the chain stands after. */
const { config } = stackFrom(`version: 1
services:
  web: { checks: { health: { http: { url: "http://127.0.0.1:9/" } } } }
notifiers:
  a-hook: { webhook: { url: "http://127.0.0.1:9/a" } }
  b-hook: { webhook: { url: "http://127.0.0.1:9/b" } }
people:
  ann: { notify: [a-hook] }
  ben: { notify: [b-hook, a-hook] }
oncall:
  primary: { members: [ann, ben] }
incidents:
  severities:
    critical: { respond_within: 15m, escalate: [ann] }
`);

const NOW = Date.UTC(2026, 11, 7, 9);
const incident: Incident = {
  id: 7,
  title: 'Checkout fails',
  severity: 'critical',
  status: 'investigating',
  services: ['web'],
  impact: null,
  eta: null,
  openedAt: NOW - 15 * 60_000,
  openedBy: 'cli:alice',
  acknowledgedAt: null,
  acknowledgedBy: null,
  assignee: null,
  resolvedAt: null,
  resolvedBy: null,
  lastUpdateAt: NOW - 15 * 60_000,
  escalation: { step: 0, round: 0 },
  version: 1,
};

const cases: Array<{
  name: string;
  chain: EscalationStep[];
  from?: EscalationState;
  onCall?: string;
  texts: string[];
  messages: string[];
  state: EscalationState;
  resume?: { step: number; round: number; due: number };
}> = [
  { name: 'an empty chain', chain: [], texts: [], messages: [], state: { step: 0, round: 0 } },
  {
    name: 'notify steps with no wait between run together',
    chain: [{ notify: ['ann'] }, { notify: ['notifier:b-hook'] }],
    texts: ['late: paged ann', 'late: paged b-hook'],
    messages: ['escalate:7:0:0:a-hook', 'escalate:7:0:1:b-hook'],
    state: { step: 2, round: 0 },
  },
  {
    name: 'a wait stops the run and queues its resumption',
    chain: [{ notify: ['ann'] }, { wait: 300_000 }, { notify: ['ben'] }],
    texts: ['late: paged ann'],
    messages: ['escalate:7:0:0:a-hook'],
    state: { step: 2, round: 0 },
    resume: { step: 2, round: 0, due: NOW + 300_000 },
  },
  {
    name: 'resuming after a wait runs what follows it',
    chain: [{ notify: ['ann'] }, { wait: 300_000 }, { notify: ['ben'] }],
    from: { step: 2, round: 0 },
    texts: ['late: paged ben'],
    messages: ['escalate:7:0:2:b-hook', 'escalate:7:0:2:a-hook'],
    state: { step: 3, round: 0 },
  },
  {
    name: 'repeat with no wait restarts at once, n more times',
    chain: [{ notify: ['ann'] }, { repeat: 2 }],
    texts: ['late: paged ann', 'late: paged ann', 'late: paged ann'],
    messages: ['escalate:7:0:0:a-hook', 'escalate:7:1:0:a-hook', 'escalate:7:2:0:a-hook'],
    state: { step: 2, round: 2 },
  },
  {
    name: 'a chain that is over sends nothing more',
    chain: [{ notify: ['ann'] }, { repeat: 1 }],
    from: { step: 2, round: 1 },
    texts: [],
    messages: [],
    state: { step: 2, round: 1 },
  },
  {
    name: 'the person on call, deduplicated against a person named beside',
    chain: [{ notify: ['oncall:primary', 'person:ann'] }],
    onCall: 'ben',
    texts: ['late: paged ben (on call for primary), ann'],
    messages: ['escalate:7:0:0:b-hook', 'escalate:7:0:0:a-hook'],
    state: { step: 1, round: 0 },
  },
  {
    name: 'nobody on call reaches nobody, and says so',
    chain: [{ notify: ['oncall:primary'] }],
    texts: ['late: paged nobody on call for primary'],
    messages: [],
    state: { step: 1, round: 0 },
  },
];

describe('an escalation plan', () => {
  it.each(cases)('$name', async (c) => {
    const plan = await planEscalation({
      config,
      incident,
      chain: c.chain,
      from: c.from ?? { step: 0, round: 0 },
      deadline: 'respond',
      reason: 'late',
      now: NOW,
      onCall: async (rotation) => (rotation === 'primary' ? c.onCall : undefined),
    });
    expect(plan.events.map((e) => e.text)).toEqual(c.texts);
    expect(plan.messages.map((m) => m.key)).toEqual(c.messages);
    expect(plan.state).toEqual(c.state);
    expect(plan.resume).toEqual(c.resume ? { incident: 7, deadline: 'step', ...c.resume } : undefined);
  });
});
