import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import { DeliveryError, type Notification, type NotifierKindDefinition } from '../../src/notifiers/types.js';
import { Receiver } from '../helpers/receiver.js';
import { payloadErrors } from '../helpers/webhook-schema.js';
import { digest, single } from './notifications.js';

const CANARY = 'canary-secret-7f3a9c1e';

type Payload = Record<string, unknown> & { [k: string]: unknown };

/**
 * Every HTTP notifier kind: how to configure it against a local receiver (with a canary secret where it
 * has one) and what its documented payload must look like.
 */
const HTTP_KINDS: Record<
  string,
  {
    options(url: string): Record<string, unknown>;
    check(n: Notification, bodies: Payload[], headers: Record<string, string | string[] | undefined>[]): void;
  }
> = {
  webhook: {
    options: (url) => ({ url: `${url}/hook`, secret: CANARY, headers: { 'x-team': 'web' } }),
    check(n, [body], [h]) {
      expect(body).toMatchObject({
        version: 1,
        deliveryId: n.deliveryId,
        stack: 'shop',
        title: n.title,
        text: n.text,
      });
      expect((body?.alerts as unknown[] | undefined)?.length).toBe(n.alerts.length);
      for (const [i, sent] of ((body?.alerts as Payload[] | undefined) ?? []).entries()) {
        expect(sent.origin).toBe(n.alerts[i]?.origin);
        expect(sent).not.toHaveProperty('source');
      }
      expect(payloadErrors(body)).toEqual([]);
      expect(h?.['x-team']).toBe('web');
      expect(h?.['x-dayshift-delivery']).toBe(n.deliveryId);
    },
  },
  slack: {
    options: (url) => ({ webhook_url: `${url}/services/T000/B000/${CANARY}` }),
    check(n, [body]) {
      // Slack: a text fallback and at most 50 blocks; header text ≤ 150 chars, section text ≤ 3000.
      expect(typeof body?.text).toBe('string');
      const blocks = body?.blocks as Array<{ type: string; text?: { type: string; text: string } }>;
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
      for (const b of blocks) if (b.type === 'section') expect(b.text?.text.length).toBeLessThanOrEqual(3000);
      expect((blocks[0]?.text?.text.length ?? 0) <= 150).toBe(true);
      if (n.alerts.length > 48) expect(JSON.stringify(blocks)).toContain('more');
    },
  },
  pagerduty: {
    options: (url) => ({ routing_key: CANARY, url: `${url}/v2/enqueue` }),
    check(n, bodies) {
      expect(bodies).toHaveLength(n.alerts.length);
      for (const [i, body] of bodies.entries()) {
        const alert = n.alerts[i];
        expect(body.routing_key).toBe(CANARY);
        expect(body.dedup_key).toBe(alert?.key);
        const action = alert?.event === 'resolved' ? 'resolve' : 'trigger';
        expect(body.event_action).toBe(action);
        if (action === 'trigger') {
          const payload = body.payload as Record<string, unknown>;
          expect(typeof payload.summary).toBe('string');
          expect((payload.summary as string).length).toBeLessThanOrEqual(1024);
          // PagerDuty's own `source` (the affected system); the alert's origin goes in `class`.
          expect(typeof payload.source).toBe('string');
          expect(payload.class).toBe(alert?.origin);
          expect(['critical', 'error', 'warning', 'info']).toContain(payload.severity);
        } else expect(body.payload).toBeUndefined();
      }
    },
  },
  ntfy: {
    options: (url) => ({ url, topic: 'ops-alerts', token: CANARY }),
    check(n, _bodies, [h]) {
      expect(h?.priority).toMatch(/^[1-5]$/);
      expect(h?.authorization).toBe(`Bearer ${CANARY}`);
      expect(String(h?.title)).toMatch(/^=\?UTF-8\?B\?/);
      expect(Buffer.from(String(h?.title).slice(10, -2), 'base64').toString()).toBe(n.title);
    },
  },
  discord: {
    options: (url) => ({ webhook_url: `${url}/api/webhooks/1/${CANARY}` }),
    check(n, [body]) {
      const embeds = body?.embeds as Array<{ title: string; description: string; color: number }>;
      expect(embeds.length).toBeLessThanOrEqual(10);
      expect(embeds.length).toBe(Math.min(10, n.alerts.length));
      for (const e of embeds) {
        expect(e.title.length).toBeLessThanOrEqual(256);
        expect(e.description.length).toBeLessThanOrEqual(4096);
        expect(Number.isInteger(e.color)).toBe(true);
      }
      expect((body?.content as string | undefined)?.length ?? 0).toBeLessThanOrEqual(2000);
    },
  },
  teams: {
    options: (url) => ({ webhook_url: `${url}/workflows/${CANARY}` }),
    check(_n, [body]) {
      expect(body?.type).toBe('message');
      const [attachment] = (body?.attachments ?? []) as Array<{
        contentType: string;
        content: Record<string, unknown>;
      }>;
      expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(attachment?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      expect((attachment?.content.body as unknown[] | undefined)?.length ?? 0).toBeGreaterThan(1);
    },
  },
};

function kindOf(name: string): NotifierKindDefinition {
  return notifierKinds[name as keyof typeof notifierKinds] as NotifierKindDefinition;
}

const context = (signal = AbortSignal.timeout(10_000)) => ({
  signal,
  notifier: 'ops',
  baseDir: process.cwd(),
  logger: silentLogger(),
});

describe('every notifier kind is covered by a contract', () => {
  it('the registry and the contracts name the same kinds (email and command have their own files)', () => {
    expect(Object.keys(notifierKinds).sort()).toEqual(
      [...Object.keys(HTTP_KINDS), 'email', 'command'].sort(),
    );
  });
});

describe.each(Object.keys(HTTP_KINDS))('the %s notifier', (name) => {
  const kind = kindOf(name);
  const spec = HTTP_KINDS[name] as (typeof HTTP_KINDS)[string];
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  const options = () => kind.options.parse(spec.options(receiver.url));

  async function send(n: Notification) {
    receiver.received.length = 0;
    const receipt = await kind.send(options(), n, context());
    const bodies = receiver.received.map((r) =>
      r.headers['content-type']?.includes('json') ? JSON.parse(r.body) : { text: r.body },
    );
    return { receipt, bodies, headers: receiver.received.map((r) => r.headers) };
  }

  it('sends one alert in its documented shape', async () => {
    receiver.status = name === 'pagerduty' ? 202 : 200;
    const n = single();
    const { receipt, bodies, headers } = await send(n);
    expect(receipt.status).toBe(receiver.status);
    spec.check(n, bodies, headers);
    expect(JSON.stringify(receipt)).not.toContain(CANARY);
  });

  it('sends a digest of many alerts within the service limits', async () => {
    receiver.status = 200;
    const n = digest(name === 'pagerduty' ? 12 : 120);
    const { bodies, headers } = await send(n);
    spec.check(n, bodies, headers);
  });

  it('a 500 is retryable, a 400 is not, and neither message holds the secret', async () => {
    for (const [status, retryable] of [
      [500, true],
      [429, true],
      [400, false],
    ] as const) {
      receiver.status = status;
      const error = await kind.send(options(), single(), context()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).retryable).toBe(retryable);
      expect((error as DeliveryError).status).toBe(status);
      expect((error as Error).message).not.toContain(CANARY);
    }
    receiver.status = 200;
  });

  it('an unreachable receiver is retryable and the message holds no secret', async () => {
    const down = await Receiver.start();
    const url = down.url;
    await down.close();
    const error = await kind
      .send(kind.options.parse(spec.options(url)), single(), context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toContain(CANARY);
  });

  it('stops waiting for a receiver that does not answer when the delivery is aborted', async () => {
    receiver.hold = true;
    const controller = new AbortController();
    const started = Date.now();
    const sending = kind.send(options(), single(), context(controller.signal)).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 300);
    const error = await sending;
    receiver.release();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
  });
});

describe('webhook signature', () => {
  it('verifies with HMAC-SHA256 over timestamp.body, as a receiver checks it', async () => {
    const receiver = await Receiver.start();
    try {
      const kind = kindOf('webhook');
      await kind.send(kind.options.parse({ url: receiver.url, secret: CANARY }), single(), context());
      const [r] = receiver.received;
      const timestamp = String(r?.headers['x-dayshift-timestamp']);
      const expected = createHmac('sha256', CANARY).update(`${timestamp}.${r?.body}`).digest('hex');
      expect(r?.headers['x-dayshift-signature']).toBe(`sha256=${expected}`);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
      // A body changed in transit no longer matches.
      const forged = createHmac('sha256', CANARY).update(`${timestamp}.${r?.body}x`).digest('hex');
      expect(r?.headers['x-dayshift-signature']).not.toBe(`sha256=${forged}`);
    } finally {
      await receiver.close();
    }
  });
});

describe('PagerDuty lifecycle', () => {
  it('triggers, acknowledges and resolves the same incident by dedup_key', async () => {
    const receiver = await Receiver.start();
    receiver.status = 202;
    try {
      const kind = kindOf('pagerduty');
      const options = kind.options.parse({ routing_key: CANARY, url: `${receiver.url}/v2/enqueue` });
      for (const event of ['firing', 'reminder', 'acknowledged', 'resolved'] as const)
        await kind.send(options, single({ event }), context());
      const bodies = receiver.json<{ event_action: string; dedup_key: string }>();
      expect(bodies.map((b) => b.event_action)).toEqual(['trigger', 'trigger', 'acknowledge', 'resolve']);
      expect(new Set(bodies.map((b) => b.dedup_key))).toEqual(new Set(['check:backend.health']));
    } finally {
      await receiver.close();
    }
  });
});
