import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import { DeliveryError, type Notification, type NotifierKindDefinition } from '../../src/notifiers/types.js';
import { Receiver } from '../helpers/receiver.js';
import { digest, single } from './notifications.js';

const webhook = notifierKinds.webhook as unknown as NotifierKindDefinition;
const context = () => ({
  notifier: 'chat',
  signal: AbortSignal.timeout(10_000),
  baseDir: process.cwd(),
  logger: silentLogger(),
});

/** Values a naive template would break JSON with: quotes, a backslash, a newline, a tag. */
const NASTY = 'say "hi"\\ back\n<b>now</b>';

describe('the webhook notifier with a body template', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  async function send(options: Record<string, unknown>, n: Notification) {
    const receipt = await webhook.send(
      webhook.options.parse({ url: receiver.url, ...options }),
      n,
      context(),
    );
    const [r] = receiver.received;
    return { receipt, body: r?.body ?? '', headers: r?.headers ?? {} };
  }

  it('escapes {{names}} inside JSON strings, so any value keeps the body valid', async () => {
    const { body, headers } = await send(
      { body: '{"summary": "{{alert.summary}}", "stack": "{{stack}}", "n": {{count}}}' },
      single({ summary: NASTY }),
    );
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ summary: NASTY, stack: 'shop', n: 1 });
  });

  it('{{#json}} writes its inside as one JSON string; first/last separate a list', async () => {
    const n = digest(3);
    const { body } = await send(
      {
        body: '{"text": {{#json}}{{title}}: {{alert.summary}}{{/json}}, "names": [{{#alerts}}{{#json}}{{name}}{{/json}}{{^last}},{{/last}}{{/alerts}}]}',
      },
      n,
    );
    expect(JSON.parse(body)).toEqual({
      text: `${n.title}: status == 200 failed: got 503`,
      names: ['fleet.c0 unhealthy', 'fleet.c1 unhealthy', 'fleet.c2 unhealthy'],
    });
  });

  it('{{{payload_json}}} and {{{labels_json}}} embed the payload and an alert’s labels as JSON', async () => {
    const n = single({ labels: { team: NASTY } });
    const { body } = await send(
      {
        body: '{"wrapped": {{{payload_json}}}, "labels": [{{#alerts}}{{{labels_json}}}{{^last}},{{/last}}{{/alerts}}]}',
      },
      n,
    );
    const parsed = JSON.parse(body) as {
      wrapped: { version: number; deliveryId: string };
      labels: unknown[];
    };
    expect(parsed.wrapped).toMatchObject({ version: 1, deliveryId: n.deliveryId });
    expect(parsed.labels).toEqual([{ team: NASTY }]);
  });

  it('another content type is sent as it renders, with that content type, and still signed', async () => {
    const { body, headers } = await send(
      { body: '{{#alerts}}{{name}}: {{summary}}\n{{/alerts}}', content_type: 'text/plain', secret: 'k3y' },
      single({ summary: NASTY }),
    );
    expect(headers['content-type']).toBe('text/plain');
    expect(body).toBe(`backend.health unhealthy: ${NASTY}\n`);
    expect(headers['x-dayshift-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('a body that a value turns into invalid JSON fails the delivery without retrying', async () => {
    // {{{raw}}} is the writer's promise that the value is JSON; the load-time trial cannot see every value.
    const options = webhook.options.parse({
      url: receiver.url,
      body: '{"v": {{count}}{{{alert.acknowledgedBy}}}}',
    });
    const error = await webhook
      .send(options, single({ event: 'acknowledged', acknowledgedBy: 'alice' }), context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/the body template of chat rendered invalid JSON/);
    expect(receiver.received).toHaveLength(0);
  });
});
