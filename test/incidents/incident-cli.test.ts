import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/incidents/records.js';
import { describeDuration } from '../../src/schema/duration.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type CliRun, spawnCli } from '../helpers/cli-process.js';
import { stackFrom } from '../helpers/stack.js';

/**
 * `dayshift incident` as people run it: the built CLI against the stack's SQLite store, no server.
 * One incident goes through its life (open, ack, update, note, resolve) and gets its report, whose
 * MTTA and MTTR are the timeline's; list and show print what the store holds, `--json` everywhere;
 * errors exit with their code and a hint. Every change is in the audit log as this user's.
 */

const stack = stackFrom(`version: 1
stack: shop
services:
  web: {}
  db: {}
incidents:
  severities:
    critical: { respond_within: 15m, resolve_within: 4h }
    high: { respond_within: 1h }
    low: { respond_within: 24h }
`);
const stateDb = path.join(stack.dir, '.dayshift', 'state.db');
/** The CLI uses the stack's SQLite store, never a database named in the environment. */
const ENV = { ...process.env, DAYSHIFT_DATABASE_URL: '', DAYSHIFT_TOKEN: '' };

function dayshift(...args: string[]): Promise<CliRun> {
  return spawnCli(stack.configPath, args, { cwd: stack.dir, env: ENV }).done;
}

/** Runs a command that must succeed, and returns what it printed. */
async function ok(...args: string[]): Promise<string> {
  const run = await dayshift(...args);
  expect(run.code, `dayshift ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read by the assertions
type Json = any;

let id = 0;

describe('dayshift incident on the store here', () => {
  let store: Store | undefined;
  afterAll(async () => {
    await store?.close();
  });

  it('opens, acknowledges, updates, notes and resolves an incident, one line each', async () => {
    const opened = JSON.parse(
      await ok(
        'incident',
        'open',
        '--severity',
        'critical',
        '--title',
        'Checkout fails',
        '--service',
        'web',
        '--service',
        'db',
        '--impact',
        'all payments',
        '--message',
        'Investigating checkout errors',
        '--json',
      ),
    );
    expect(opened).toMatchObject({
      title: 'Checkout fails',
      severity: 'critical',
      status: 'investigating',
      services: ['web', 'db'],
      impact: 'all payments',
    });
    expect(opened.openedBy).toMatch(/^cli:/);
    id = opened.id;
    expect(await ok('incident', 'ack', String(id))).toBe(
      `incident #${id} acknowledged: Checkout fails (critical, investigating)\n`,
    );
    expect(
      await ok('incident', 'update', String(id), 'Pool exhausted', '--status', 'identified', '--eta', '20m'),
    ).toBe(`incident #${id} updated: Checkout fails (critical, identified)\n`);
    expect(await ok('incident', 'note', String(id), 'pool size was 5')).toContain(`incident #${id} noted`);
    expect(await ok('incident', 'assign', `#${id}`, 'dave')).toContain(`incident #${id} assigned`);
    expect(await ok('incident', 'resolve', String(id), 'Checkout works again')).toBe(
      `incident #${id} resolved: Checkout fails (critical, resolved)\n`,
    );
  });

  it('lists open, resolved or all incidents, as a table or JSON', async () => {
    const other = JSON.parse(
      await ok('incident', 'open', '--severity', 'low', '--title', 'Slow reports', '--json'),
    );
    const open = await ok('incident', 'list');
    expect(open).toMatch(/^ID\s+STATUS\s+SEVERITY\s+TITLE\s+SERVICES\s+OPENED\s+ACK\s+ASSIGNEE$/m);
    expect(open).toMatch(new RegExp(`^${other.id}\\s+investigating\\s+low\\s+Slow reports\\s+-`, 'm'));
    expect(open).not.toContain('Checkout fails');
    const resolved = JSON.parse(await ok('incident', 'list', '--resolved', '--json')) as Json[];
    expect(resolved.map((i) => i.id)).toEqual([id]);
    const all = JSON.parse(await ok('incident', 'list', '--all', '--json')) as Json[];
    expect(all.map((i) => i.id)).toEqual([other.id, id]);
    const onDb = JSON.parse(await ok('incident', 'list', '--all', '--service', 'db', '--json')) as Json[];
    expect(onDb.map((i) => i.id)).toEqual([id]);
    await ok('incident', 'resolve', String(other.id));
    expect(await ok('incident', 'list')).toBe('no open incidents\n');
  });

  it('shows the incident and its whole timeline with who and when, and links to runs and alerts', async () => {
    // Another part of Dayshift writes runs and alerts on the timeline; here they are written as it would.
    store = await openStore({ sqlitePath: stateDb });
    const at = Date.now();
    await appendEvents(store.db, [
      {
        incidentId: id,
        at,
        type: 'run',
        actor: 'dayshift',
        text: 'runbook restart-web succeeded',
        data: { run: 12, kind: 'runbook', name: 'restart-web', status: 'succeeded', url: '/api/v1/runs/12' },
        key: 'run:12',
      },
      {
        incidentId: id,
        at,
        type: 'alert.firing',
        actor: 'alert:3',
        text: 'web.health: status == 200 failed',
        data: { alert: 3 },
        key: 'alert:3:firing',
      },
    ]);
    const shown = await ok('incident', 'show', String(id));
    const [head, timeline] = shown.split('timeline:');
    expect(head).toContain(`incident #${id}  Checkout fails`);
    expect(head).toMatch(/status\s+resolved/);
    expect(head).toMatch(/services\s+web, db/);
    expect(head).toMatch(/assignee\s+dave/);
    expect(timeline).toMatch(/^AT\s+WHO\s+WHAT\s+SEE$/m);
    const rows = (timeline ?? '').trim().split('\n').slice(1);
    const what = rows.map((r) =>
      r
        .split(/\s{2,}/)
        .slice(1, 3)
        .join(' | '),
    );
    expect(what.filter((w) => !w.includes('notified'))).toEqual([
      expect.stringMatching(/^cli:\S+ \| opened \(critical\): Investigating checkout errors$/),
      expect.stringMatching(/^cli:\S+ \| acknowledged$/),
      'dayshift | respond deadline met',
      expect.stringMatching(/^cli:\S+ \| status investigating → identified: Pool exhausted$/),
      expect.stringMatching(/^cli:\S+ \| note \(internal\): pool size was 5$/),
      expect.stringMatching(/^cli:\S+ \| assigned to dave$/),
      expect.stringMatching(/^cli:\S+ \| resolved: Checkout works again$/),
      'dayshift | resolve deadline met',
      'dayshift | runbook restart-web (run 12): succeeded',
      'alert:3 | alert 3 firing: web.health: status == 200 failed',
    ]);
    expect(rows.find((r) => r.includes('restart-web'))).toMatch(/dayshift run show 12$/);
    expect(rows.find((r) => r.includes('alert 3 firing'))).toMatch(/dayshift alerts show 3$/);

    const json = JSON.parse(await ok('incident', 'show', String(id), '--json'));
    expect(json.incident.id).toBe(id);
    expect(json.timeline.find((e: Json) => e.type === 'note')).toMatchObject({
      public: false,
      text: 'pool size was 5',
    });

    // The communication: runbook 002's template, with the public updates only.
    const template = await ok('incident', 'show', String(id), '--template');
    expect(template.split('\n').slice(0, 6)).toEqual([
      '🚨 INCIDENT: web, db - Checkout fails',
      '',
      'Status: RESOLVED',
      'Severity: CRITICAL',
      'Impact: all payments',
      'ETA: 20m',
    ]);
    expect(template).toContain('] Pool exhausted');
    expect(template).not.toContain('pool size was 5');
  });

  it("writes the report: its MTTA and MTTR are the timeline's, against the severity's deadlines", async () => {
    const { timeline } = JSON.parse(await ok('incident', 'show', String(id), '--json')) as {
      timeline: Json[];
    };
    const at = (type: string) => timeline.find((e) => e.type === type)?.at as number;
    const mtta = at('acknowledged') - at('opened');
    const mttr = at('resolved') - at('opened');
    expect(mtta).toBeGreaterThan(0);
    expect(mttr).toBeGreaterThan(mtta);

    const file = path.join(stack.dir, 'report.md');
    expect(await ok('incident', 'report', String(id), '--output', file)).toBe(
      `wrote the report of incident #${id} to ${file}\n`,
    );
    const markdown = readFileSync(file, 'utf8');
    expect(await ok('incident', 'report', String(id))).toBe(markdown);
    expect(markdown.split('\n')[0]).toBe(`# Incident #${id}: Checkout fails`);
    for (const section of [
      'Summary',
      'Impact',
      'Timeline',
      'Response',
      'Runs and deploys involved',
      'Root cause',
      'Action items',
    ])
      expect(markdown).toContain(`\n## ${section}\n`);
    expect(markdown).toContain(
      `- Time to acknowledge: acknowledged in ${describeDuration(mtta)} (deadline 15m: met)`,
    );
    expect(markdown).toContain(`- Time to resolve: resolved in ${describeDuration(mttr)} (deadline 4h: met)`);
    expect(markdown).toContain('| Services | web, db |');
    expect(markdown).toContain('note (internal): pool size was 5');
    expect(markdown).toContain(
      'runbook restart-web (run 12): succeeded; `dayshift run show 12` (/api/v1/runs/12)',
    );
    expect(markdown).toContain('## Root cause\n\n_to be written_\n');
    expect(markdown).toContain('## Action items\n\n- [ ] \n');

    const { report } = JSON.parse(await ok('incident', 'report', String(id), '--json'));
    expect(report).toMatchObject({
      id,
      mttaMs: mtta,
      mttrMs: mttr,
      respond: { tookMs: mtta, withinMs: 15 * 60_000, outcome: 'met' },
      resolve: { tookMs: mttr, withinMs: 4 * 3_600_000, outcome: 'met' },
      runs: [{ run: 12, kind: 'runbook', name: 'restart-web', status: 'succeeded' }],
    });
  });

  it('exits 2 with a hint for an unknown id, 1 on a resolved incident, 2 naming the known severities', async () => {
    const missing = await dayshift('incident', 'ack', '4242');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: no incident 4242');
    expect(missing.stderr).toContain('hint: list incidents with `dayshift incident list --all`');
    const resolved = await dayshift('incident', 'update', String(id), 'again');
    expect(resolved.code).toBe(1);
    expect(resolved.stderr).toContain(`incident ${id} is resolved`);
    expect(resolved.stderr).toContain('hint: open a new incident, or add a note');
    const severity = await dayshift('incident', 'open', '--severity', 'urgent', '--title', 'x', '--json');
    expect(severity.code).toBe(2);
    expect(JSON.parse(severity.stderr).error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'unknown severity "urgent"',
      hint: 'use one of critical, high, low',
    });
    const status = await dayshift('incident', 'update', String(id), 'x', '--status', 'fixed');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('use one of investigating, identified, monitoring, resolved');
    const notAnId = await dayshift('incident', 'show', 'seven');
    expect(notAnId.code).toBe(2);
    const service = await dayshift(
      'incident',
      'open',
      '--severity',
      'high',
      '--title',
      'x',
      '--service',
      'nope',
    );
    expect(service.code).toBe(2);
    expect(service.stderr).toContain('no service "nope"');
    // A note is still taken on a resolved incident (the post-mortem goes on).
    expect(await ok('incident', 'note', String(id), 'post-mortem on Friday')).toContain('noted');
  });

  it("records every change in the audit log as this user's, with the incident id as target", async () => {
    const db = new Database(stateDb, { readonly: true });
    try {
      const rows = db
        .prepare(
          "select actor, action, target, result from audit_log where action like 'incident.%' order by id",
        )
        .all() as Array<{ actor: string; action: string; target: string; result: string }>;
      const ofIncident = rows.filter((r) => r.target === String(id));
      expect(ofIncident.map((r) => [r.action, r.result])).toEqual([
        ['incident.open', 'ok'],
        ['incident.ack', 'ok'],
        ['incident.update', 'ok'],
        ['incident.note', 'ok'],
        ['incident.assign', 'ok'],
        ['incident.resolve', 'ok'],
        ['incident.update', 'refused: INCIDENT_STATE_CONFLICT'],
        ['incident.note', 'ok'],
      ]);
      for (const row of ofIncident) expect(row.actor).toMatch(/^cli:\S+@\S+$/);
      expect(rows).toContainEqual(
        expect.objectContaining({
          action: 'incident.ack',
          target: '4242',
          result: 'refused: INCIDENT_NOT_FOUND',
        }),
      );
    } finally {
      db.close();
    }
  });
});
