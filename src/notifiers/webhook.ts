import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretString, secretUrl } from '../schema/secret-schema.js';
import { stringMap } from '../schema/values.js';
import { post } from './shared/http-post.js';
import type { NotifierKindDefinition } from './types.js';

const options = z.strictObject({
  url: secretUrl(['http', 'https']),
  secret: secretString().optional(),
  headers: stringMap().optional(),
});

/**
 * A JSON POST of the notification. With `secret`, `X-Dayshift-Signature: sha256=<hex>` is the
 * HMAC-SHA256 of `<X-Dayshift-Timestamp>.<body>`, so a receiver can check both origin and freshness.
 */
export const webhookNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'webhook',
  description: 'a JSON POST of the alert, signed with HMAC-SHA256 when secret is set',
  options,
  async send(opts, n, context) {
    const body = JSON.stringify({
      version: 1,
      deliveryId: n.deliveryId,
      stack: n.stack,
      title: n.title,
      text: n.text,
      alerts: n.alerts,
      createdAt: n.createdAt,
    });
    const headers: Record<string, string> = { ...opts.headers, 'x-dayshift-delivery': n.deliveryId };
    if (opts.secret) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers['x-dayshift-timestamp'] = timestamp;
      headers['x-dayshift-signature'] =
        `sha256=${createHmac('sha256', opts.secret.reveal()).update(`${timestamp}.${body}`).digest('hex')}`;
    }
    return post(opts.url.reveal(), body, { headers, signal: context.signal, what: 'the webhook' });
  },
};
