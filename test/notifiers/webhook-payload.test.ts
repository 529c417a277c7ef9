import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import { renderNotification } from '../../src/notifiers/shared/templates.js';
import { webhookPayload } from '../../src/notifiers/shared/webhook-payload.js';
import type { Notification, NotifiedAlert, NotifierKindDefinition } from '../../src/notifiers/types.js';
import { Receiver } from '../helpers/receiver.js';
import { payloadErrors, webhookSchema } from '../helpers/webhook-schema.js';
import { alert, digest, single } from './notifications.js';

const schema = webhookSchema;
const errorsOf = payloadErrors;

const kind = (name: 'webhook' | 'command') => notifierKinds[name] as unknown as NotifierKindDefinition;
const context = () => ({
  notifier: 'ops',
  signal: AbortSignal.timeout(10_000),
  baseDir: process.cwd(),
  logger: silentLogger(),
});

/** An alert with every optional field set, so the payload carries every field the builder can send. */
function everyField(): NotifiedAlert {
  return alert({
    event: 'resolved',
    state: 'resolved',
    rule: 'api-slow',
    summary: 'backend.health is healthy again after 12m',
    firingSummary: 'status == 200 failed: got 503',
    description: 'the shop front',
    value: 1.4,
    resolvedAt: '2026-11-20T10:12:00.000Z',
    acknowledgedAt: '2026-11-20T10:05:00.000Z',
    acknowledgedBy: 'alice',
    remediation: [
      { runbook: 'worker-stuck', runId: 42, status: 'succeeded', url: '/api/v1/runs/42' },
      {
        runbook: 'page-db',
        runId: null,
        status: 'refused: runbook page-db is already running: run 41',
        url: null,
      },
    ],
  });
}

describe('the webhook payload (format: dayshift) against docs/webhook-payload.schema.json', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('is a draft 2020-12 schema that docs/notifiers.md publishes', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(readFileSync(path.resolve('docs/notifiers.md'), 'utf8')).toContain(
      '(webhook-payload.schema.json)',
    );
  });

  it.each<[string, () => Notification]>([
    ['one firing alert', () => single()],
    ['a digest of 120', () => digest(120)],
    ['a resolve with every optional field', () => single(everyField())],
    ['a reminder', () => single({ event: 'reminder' })],
    ['an acknowledgement', () => single({ event: 'acknowledged', acknowledgedBy: 'bob' })],
    ['a flapping alert with a string value', () => single({ flapping: true, value: 'down' })],
    [
      'a notify test (origin test, no value)',
      () => {
        const { value: _value, service: _s, check: _c, ...rest } = alert({ event: 'test', origin: 'test' });
        return renderNotification({
          deliveryId: 'd-1',
          stack: 'shop',
          alerts: [rest as NotifiedAlert],
          createdAt: '2026-11-20T10:00:01.000Z',
        });
      },
    ],
  ])('%s as POSTed validates', async (_name, make) => {
    receiver.received.length = 0;
    const webhook = kind('webhook');
    await webhook.send(webhook.options.parse({ url: `${receiver.url}/hook` }), make(), context());
    const [sent] = receiver.received;
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(errorsOf(JSON.parse(sent?.body ?? 'null'))).toEqual([]);
  });

  it('names every field the builder sends, and the builder sends every field it names', () => {
    const payload = webhookPayload(single(everyField()));
    expect(Object.keys(payload).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(Object.keys(payload.alerts[0] ?? {}).sort()).toEqual(
      Object.keys(schema.$defs.alert.properties).sort(),
    );
  });

  it('refuses a field it does not name, so an internal field leaking to the wire fails here', () => {
    const payload = webhookPayload(single());
    expect(errorsOf({ ...payload, html: '<p>internal</p>' })).toEqual([
      ' must NOT have additional properties',
    ]);
    const [first] = payload.alerts;
    expect(errorsOf({ ...payload, alerts: [{ ...first, notify: ['ops'] }] })).toEqual([
      '/alerts/0 must NOT have additional properties',
    ]);
    expect(errorsOf({ ...payload, alerts: [{ ...first, event: 'exploded' }] })).toHaveLength(1);
    expect(errorsOf({ ...payload, alerts: [{ ...first, startedAt: 'yesterday' }] })).toEqual([
      '/alerts/0/startedAt must match format "date-time"',
    ]);
  });

  it('an internal field added to a notification never reaches the wire', async () => {
    const n = single() as Notification & { internalNote?: string };
    n.internalNote = 'not for receivers';
    (n.alerts[0] as NotifiedAlert & { notifiedAt?: number }).notifiedAt = 5;
    receiver.received.length = 0;
    const webhook = kind('webhook');
    await webhook.send(webhook.options.parse({ url: `${receiver.url}/hook` }), n, context());
    const body = receiver.received[0]?.body ?? '';
    expect(body).not.toContain('internalNote');
    expect(body).not.toContain('notifiedAt');
    expect(body).not.toContain('"html"');
    expect(errorsOf(JSON.parse(body))).toEqual([]);
  });

  it('the command notifier reads the same payload on stdin', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dayshift-payload-')), 'got.json');
    const command = kind('command');
    await command.send(command.options.parse({ run: `cat > ${out}` }), digest(3), context());
    expect(errorsOf(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
  });
});
