import { describe } from 'vitest';
import { type Case, check, http, itReportsEach } from './broken-case.js';

/** Rules are parsed when the file loads: a mistake is reported at its line and column. */
const cases: Case[] = [
  {
    name: 'a rule without a window',
    yaml: `${check(http)}rules:\n  slow: { when: "p95(web.health.latency) > 1s" }\n`,
    at: '8:40 rules.slow.when',
    message: 'bad rule: expected a comma and a window after the reference in p95()',
  },
  {
    name: 'a single = in a rule',
    yaml: `${check(http)}rules:\n  slow: { when: "p95(web.health.latency, 5m) = 1s" }\n`,
    at: '8:46 rules.slow.when',
    message: 'use == to compare',
  },
  {
    name: 'a rule that compares nothing',
    yaml: `${check(http)}rules:\n  slow: { when: "p95(web.health.latency, 5m)" }\n`,
    at: '8:18 rules.slow.when',
    message: 'a rule must be a comparison',
  },
  {
    name: 'a notifier template that does not parse',
    yaml: `${check(http)}notifiers:\n  ops: { ntfy: { topic: t }, template: { title: "{{#alerts}} no end" } }\n`,
    at: '8:49 notifiers.ops.template.title',
    message: 'bad template',
  },
];

describe('rules and templates in the stack file', () => {
  itReportsEach(cases);
});
