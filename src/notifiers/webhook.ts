import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretString, secretUrl } from '../schema/secret-schema.js';
import { httpUrl, stringMap } from '../schema/values.js';
import { alertmanagerMessage } from './shared/alertmanager-payload.js';
import { checkBodyTemplate, isJson, renderBody } from './shared/body-template.js';
import { post } from './shared/http-post.js';
import { webhookPayload } from './shared/webhook-payload.js';
import { DeliveryError, type NotifierKindDefinition, type SendContext } from './types.js';

const JSON_TYPE = 'application/json';

const options = z
  .strictObject({
    url: secretUrl(['http', 'https']),
    secret: secretString().optional(),
    headers: stringMap().optional(),
    /** `dayshift`: the versioned payload (docs/webhook-payload.schema.json); `alertmanager`: Alertmanager's. */
    format: z.enum(['dayshift', 'alertmanager']).default('dayshift'),
    /** The dayshift payload's version; 1 is the only one so far. Pinning it keeps it through a later bump. */
    version: z.literal(1, { error: 'expected 1, the only payload version so far' }).default(1),
    /** A Mustache template for the whole body, instead of a format. */
    body: z.string().optional(),
    /** The body template's content type; `application/json` when omitted. */
    content_type: z.string().min(1).optional(),
    /** Alertmanager format: Dayshift's public URL, sent as `externalURL` and under each `generatorURL`. */
    external_url: httpUrl().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.body !== undefined) {
      if (o.format !== 'dayshift')
        ctx.addIssue({
          code: 'custom',
          path: ['body'],
          message: `body replaces the payload, so it cannot be combined with format: ${o.format}; remove one of them`,
        });
      const problem = checkBodyTemplate(o.body, o.content_type ?? JSON_TYPE);
      if (problem) ctx.addIssue({ code: 'custom', path: ['body'], message: `bad body template: ${problem}` });
    }
    if (o.content_type !== undefined && o.body === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['content_type'],
        message: 'content_type is the body template’s; add body or remove it',
      });
    if (o.external_url !== undefined && o.format !== 'alertmanager')
      ctx.addIssue({
        code: 'custom',
        path: ['external_url'],
        message:
          'external_url is sent only in the alertmanager format; add format: alertmanager or remove it',
      });
  });

type WebhookOptions = z.output<typeof options>;

/** The body and its content type for one notification, in the notifier's format. */
function bodyOf(
  o: WebhookOptions,
  n: Parameters<NotifierKindDefinition['send']>[1],
  context: SendContext,
): { body: string; contentType: string } {
  if (o.body !== undefined) {
    const contentType = o.content_type ?? JSON_TYPE;
    const body = renderBody(o.body, n, contentType);
    if (isJson(contentType))
      try {
        JSON.parse(body);
      } catch (error) {
        // A value the load-time trial did not meet broke it; sending it would only be refused.
        throw new DeliveryError(
          `the body template of ${context.notifier} rendered invalid JSON; check its quoting (docs/notifiers.md#body-templates)`,
          { retryable: false, cause: error },
        );
      }
    return { body, contentType };
  }
  const payload =
    o.format === 'alertmanager'
      ? alertmanagerMessage(n, { receiver: context.notifier, externalUrl: o.external_url })
      : webhookPayload(n);
  return { body: JSON.stringify(payload), contentType: JSON_TYPE };
}

/**
 * A POST of the notification: Dayshift's versioned JSON payload, Alertmanager's webhook message, or a
 * body of the user's template. With `secret`, `X-Dayshift-Signature: sha256=<hex>` is the HMAC-SHA256
 * of `<X-Dayshift-Timestamp>.<body>`, so a receiver can check both origin and freshness.
 */
export const webhookNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'webhook',
  description:
    'a JSON POST of the alert (Dayshift or Alertmanager format, or a body template), signed with HMAC-SHA256 when secret is set',
  options,
  async send(opts, n, context) {
    const { body, contentType } = bodyOf(opts, n, context);
    const headers: Record<string, string> = {
      'content-type': contentType,
      ...opts.headers,
      'x-dayshift-delivery': n.deliveryId,
    };
    if (opts.secret) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers['x-dayshift-timestamp'] = timestamp;
      headers['x-dayshift-signature'] =
        `sha256=${createHmac('sha256', opts.secret.reveal()).update(`${timestamp}.${body}`).digest('hex')}`;
    }
    return post(opts.url.reveal(), body, { headers, signal: context.signal, what: 'the webhook' });
  },
};
