import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { listAudit } from '../../src/audit/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { spawnCli } from '../helpers/cli-process.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

/**
 * The incidents API on a serving node: every route with the role it needs, each change in the audit
 * log with the incident's id as target, a posted update delivered to a real webhook receiver listed in
 * `incidents.notify` as the file's template renders it, the report as Markdown and as figures, and the
 * built CLI acting through the API with --server and --token.
 */

/** The file's communication template: what the receiver must get, field for field. */
const TEMPLATE =
  '{{severity_upper}} #{{id}} {{title}} on {{service}} [{{status}}] impact={{impact}}{{#updates}}\n- {{text}} ({{type}} by {{by}}){{/updates}}';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by the assertions
type Json = any;

describe.each(STORE_KINDS)('the incidents API (%s store)', (kind) => {
  let test: TestStore;
  let node: RunningNode;
  let receiver: Receiver;
  let configPath: string;
  let dir: string;
  let base: string;
  const token = { viewer: '', operator: '' };

  beforeAll(async () => {
    receiver = await Receiver.start();
    test = await createTestStore(kind);
    const stack = stackFrom(
      `version: 1
stack: shop
${storeYaml(test.options)}
services:
  web: {}
  db: {}
notifiers:
  hook: { webhook: { url: "\${HOOK_URL}/incidents" } }
incidents:
  notify: [ hook ]
  severities:
    critical: { respond_within: 15m, resolve_within: 4h }
    high: { respond_within: 1h }
  template: ${JSON.stringify(TEMPLATE)}
`,
      { HOOK_URL: receiver.url },
    );
    configPath = stack.configPath;
    dir = stack.dir;
    node = await startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack: { config: stack.config, configPath },
    });
    base = node.address;
    const tokens = new TokenService(node.store);
    token.viewer = (await tokens.create({ name: 'dash', role: 'viewer' })).token;
    token.operator = (await tokens.create({ name: 'carol', role: 'operator' })).token;
  });
  afterAll(async () => {
    await node?.stop('test over');
    await receiver?.close();
    await test?.destroy();
  });

  const call = async (
    method: string,
    url: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; type: string; text: string; body: Json }> => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? token.operator}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: Json;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, body };
  };

  /** The messages the receiver got, as the webhook notifier's v1 payload. */
  const messages = () => receiver.json<{ title: string; text: string; alerts: Json[] }>('/incidents');

  let id = 0;

  it('opens, acknowledges, assigns, changes severity, posts updates and notes, and resolves, as an operator', async () => {
    const opened = await call('POST', '/api/v1/incidents', {
      body: {
        title: 'Checkout fails',
        severity: 'high',
        services: ['web'],
        impact: 'payments fail for everyone',
        message: 'Investigating checkout errors',
      },
    });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body.incident).toMatchObject({
      title: 'Checkout fails',
      severity: 'high',
      status: 'investigating',
      services: ['web'],
      openedBy: 'token:carol',
    });
    id = opened.body.incident.id;

    const acked = await call('POST', `/api/v1/incidents/${id}/ack`);
    expect(acked.status, acked.text).toBe(200);
    expect(acked.body.incident).toMatchObject({ acknowledgedBy: 'token:carol', assignee: 'token:carol' });
    const assigned = await call('POST', `/api/v1/incidents/${id}/assign`, { body: { person: 'dave' } });
    expect(assigned.body.incident.assignee).toBe('dave');
    const raised = await call('POST', `/api/v1/incidents/${id}/severity`, { body: { severity: 'critical' } });
    expect(raised.body.incident.severity).toBe('critical');
    const noted = await call('POST', `/api/v1/incidents/${id}/notes`, {
      body: { text: 'pool size is 5 (internal)' },
    });
    expect(noted.status, noted.text).toBe(200);
    const updated = await call('POST', `/api/v1/incidents/${id}/updates`, {
      body: { text: 'Pool exhausted; raising it', status: 'identified', eta: '20 minutes' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.incident).toMatchObject({ status: 'identified', eta: '20 minutes' });
    const resolved = await call('POST', `/api/v1/incidents/${id}/resolve`, {
      body: { text: 'Checkout works again' },
    });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.incident).toMatchObject({ status: 'resolved', resolvedBy: 'token:carol' });

    const detail = await call('GET', `/api/v1/incidents/${id}`, { token: token.viewer });
    expect(detail.status).toBe(200);
    // Deliveries (`notified`) land on the timeline as the node sends them, in between: left out here.
    const changes = (detail.body.timeline as Json[]).filter((e) => e.type !== 'notified');
    expect(changes.map((e) => [e.type, e.actor, e.text ?? null])).toEqual([
      ['opened', 'token:carol', 'Investigating checkout errors'],
      ['acknowledged', 'token:carol', null],
      ['deadline.met', 'dayshift', 'respond deadline met'],
      ['assigned', 'token:carol', 'dave'],
      ['severity', 'token:carol', 'high → critical'],
      // The API is the team's view: internal notes are on it, marked not public.
      ['note', 'token:carol', 'pool size is 5 (internal)'],
      ['status', 'token:carol', 'Pool exhausted; raising it'],
      ['resolved', 'token:carol', 'Checkout works again'],
      ['deadline.met', 'dayshift', 'resolve deadline met'],
    ]);
    expect(detail.body.timeline.find((e: Json) => e.type === 'note').public).toBe(false);
    expect(detail.body.communication).toContain(`CRITICAL #${id} Checkout fails on web [RESOLVED]`);
    expect(detail.body.communication).not.toContain('internal');
  });

  it('lists open, resolved or all incidents, and those of one service', async () => {
    const other = await call('POST', '/api/v1/incidents', {
      body: { title: 'Slow queries', severity: 'high', services: ['db'] },
    });
    expect(other.status).toBe(201);
    const ids = async (query: string) =>
      (
        (await call('GET', `/api/v1/incidents${query}`, { token: token.viewer })).body.incidents as Json[]
      ).map((i) => i.id);
    expect(await ids('')).toEqual([other.body.incident.id]);
    expect(await ids('?state=resolved')).toEqual([id]);
    expect(await ids('?state=all')).toEqual([other.body.incident.id, id]);
    expect(await ids('?state=all&service=web')).toEqual([id]);
    expect((await call('GET', '/api/v1/incidents?state=gone', { token: token.viewer })).status).toBe(400);
    await call('POST', `/api/v1/incidents/${other.body.incident.id}/resolve`);
  });

  it('refuses a viewer every change, an unknown id, a resolved incident, an unknown severity and a bad body', async () => {
    for (const [url, body] of [
      ['/api/v1/incidents', { title: 'x', severity: 'high' }],
      [`/api/v1/incidents/${id}/ack`, {}],
      [`/api/v1/incidents/${id}/assign`, { person: 'x' }],
      [`/api/v1/incidents/${id}/severity`, { severity: 'high' }],
      [`/api/v1/incidents/${id}/updates`, { text: 'x' }],
      [`/api/v1/incidents/${id}/notes`, { text: 'x' }],
      [`/api/v1/incidents/${id}/resolve`, {}],
    ] as const) {
      const refused = await call('POST', url, { token: token.viewer, body });
      expect(refused.status, url).toBe(403);
      expect(refused.body.error.code).toBe('AUTH_FORBIDDEN');
    }
    const missing = await call('POST', '/api/v1/incidents/9999/ack');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
      hint: expect.stringContaining('incident list'),
    });
    expect((await call('GET', '/api/v1/incidents/9999/report', { token: token.viewer })).status).toBe(404);
    const resolved = await call('POST', `/api/v1/incidents/${id}/updates`, { body: { text: 'again' } });
    expect(resolved.status).toBe(409);
    expect(resolved.body.error.code).toBe('INCIDENT_STATE_CONFLICT');
    const severity = await call('POST', '/api/v1/incidents', { body: { title: 'x', severity: 'urgent' } });
    expect(severity.status).toBe(400);
    expect(severity.body.error.hint).toContain('critical, high');
    const service = await call('POST', '/api/v1/incidents', {
      body: { title: 'x', severity: 'high', services: ['nope'] },
    });
    expect(service.status).toBe(404);
    expect(service.body.error.code).toBe('SERVICE_NOT_FOUND');
    const empty = await call('POST', `/api/v1/incidents/${id}/notes`, { body: { text: '' } });
    expect(empty.status).toBe(400);
    const status = await call('POST', `/api/v1/incidents/${id}/updates`, {
      body: { text: 'x', status: 'fixed' },
    });
    expect(status.status).toBe(400);
  });

  it('audits every change with the incident id as target, refusals included', async () => {
    const entries = await listAudit(node.store.db, { action: 'incident.', limit: 1000 });
    const mine = entries
      .filter((e) => e.target === String(id) && e.actor === 'token:carol' && e.result === 'ok')
      .map((e) => e.action)
      .sort();
    expect(mine).toEqual([
      'incident.ack',
      'incident.assign',
      'incident.note',
      'incident.open',
      'incident.resolve',
      'incident.severity',
      'incident.update',
    ]);
    const open = entries.find((e) => e.action === 'incident.open' && e.target === String(id));
    expect(open?.params).toMatchObject({ title: 'Checkout fails', severity: 'high' });
    const refusals = entries.filter((e) => e.result.startsWith('refused'));
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'token:dash',
          action: 'incident.ack',
          result: 'refused: AUTH_FORBIDDEN',
        }),
        expect.objectContaining({
          target: '9999',
          action: 'incident.ack',
          result: 'refused: INCIDENT_NOT_FOUND',
        }),
        expect.objectContaining({
          target: String(id),
          action: 'incident.update',
          result: 'refused: INCIDENT_STATE_CONFLICT',
        }),
      ]),
    );
  });

  it("sends each posted update to incidents.notify's webhook, rendered from the file's template; notes never", async () => {
    const sent = await until(() => {
      const found = messages().filter((m) => m.alerts[0]?.id === id);
      return found.length >= 3 ? found : undefined;
    }, 'the opened, update and resolved messages of the incident');
    // One message per posted change (opened, the update, resolved): acknowledging, assigning, the
    // severity and the note post nothing.
    expect(sent).toHaveLength(3);
    const update = sent.find((m) => m.title.startsWith('[IDENTIFIED]'));
    expect(update?.title).toBe(`[IDENTIFIED] INCIDENT #${id}: Checkout fails (critical)`);
    expect(update?.text).toBe(
      [
        `CRITICAL #${id} Checkout fails on web [IDENTIFIED] impact=payments fail for everyone`,
        '- Investigating checkout errors (opened by token:carol)',
        '- Pool exhausted; raising it (status by token:carol)',
      ].join('\n'),
    );
    for (const message of sent) expect(message.text).not.toContain('pool size is 5');
    expect(sent.map((m) => m.alerts[0]?.event)).toEqual(['message', 'message', 'message']);
    let notified: Json[] = [];
    await until(
      async () => {
        const events = (await call('GET', `/api/v1/incidents/${id}`, { token: token.viewer })).body
          .timeline as Json[];
        notified = events.filter((e) => e.type === 'notified');
        return notified.filter((e) => e.data.status === 'sent').length === 3 ? true : undefined;
      },
      () => `three notified events, saw ${JSON.stringify(notified)}`,
    );
  });

  it('answers the report as Markdown, and its figures as JSON matching the timeline', async () => {
    const report = await call('GET', `/api/v1/incidents/${id}/report`, { token: token.viewer });
    expect(report.status).toBe(200);
    expect(report.type).toMatch(/^text\/markdown/);
    expect(report.text.split('\n')[0]).toBe(`# Incident #${id}: Checkout fails`);
    expect(report.text).toContain('note (internal): pool size is 5 (internal)');
    const figures = (await call('GET', `/api/v1/incidents/${id}/report?format=json`, { token: token.viewer }))
      .body.report;
    const timeline = (await call('GET', `/api/v1/incidents/${id}`, { token: token.viewer })).body
      .timeline as Json[];
    const at = (type: string) => timeline.find((e) => e.type === type)?.at as number;
    expect(figures).toMatchObject({
      id,
      status: 'resolved',
      mttaMs: at('acknowledged') - at('opened'),
      mttrMs: at('resolved') - at('opened'),
      respond: { withinMs: 15 * 60_000, outcome: 'met' },
      resolve: { withinMs: 4 * 3_600_000, outcome: 'met' },
    });
  });

  it('is what `dayshift incident --server --token` acts through, audited as the token', async () => {
    const env = { ...process.env, DAYSHIFT_TOKEN: '', DAYSHIFT_DATABASE_URL: '' };
    const cli = (...args: string[]) => spawnCli(configPath, args, { cwd: dir, env }).done;
    const opened = await cli(
      'incident',
      'open',
      '--severity',
      'high',
      '--title',
      'Remote',
      '--server',
      base,
      '--token',
      token.operator,
      '--json',
    );
    expect(opened.code, opened.stderr).toBe(0);
    const remote = JSON.parse(opened.stdout);
    expect(remote).toMatchObject({ title: 'Remote', openedBy: 'token:carol' });
    const note = await cli(
      'incident',
      'note',
      String(remote.id),
      'from afar',
      '--server',
      base,
      '--token',
      token.operator,
    );
    expect(note.code, note.stderr).toBe(0);
    expect(note.stdout).toContain(`incident #${remote.id} noted`);
    const shown = await cli('incident', '--server', base, '--token', token.viewer, 'show', String(remote.id));
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/token:carol\s+note \(internal\): from afar/);
    const report = await cli(
      'incident',
      'report',
      String(remote.id),
      '--server',
      base,
      '--token',
      token.viewer,
    );
    expect(report.stdout.split('\n')[0]).toBe(`# Incident #${remote.id}: Remote`);
    // A viewer's token cannot act; the server's refusal is the CLI's exit code.
    const refused = await cli(
      'incident',
      'ack',
      String(remote.id),
      '--server',
      base,
      '--token',
      token.viewer,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('operator');
    const missing = await cli('incident', 'ack', '9999', '--server', base, '--token', token.operator);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('hint: list incidents');
    const noToken = await cli('incident', 'list', '--server', base);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('$DAYSHIFT_TOKEN');
    const down = await cli('incident', 'list', '--server', 'http://127.0.0.1:9', '--token', token.viewer);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('no answer from http://127.0.0.1:9');
    const entries = await listAudit(node.store.db, { target: String(remote.id), limit: 100 });
    expect(entries.map((e) => [e.action, e.actor, e.result]).sort()).toEqual([
      ['incident.ack', 'token:dash', 'refused: AUTH_FORBIDDEN'],
      ['incident.note', 'token:carol', 'ok'],
      ['incident.open', 'token:carol', 'ok'],
    ]);
  });
});
