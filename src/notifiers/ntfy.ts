import { z } from 'zod';
import { secretString } from '../schema/secret-schema.js';
import { httpUrl } from '../schema/values.js';
import { clip, post } from './shared/http-post.js';
import type { NotifierKindDefinition } from './types.js';

const options = z.strictObject({
  url: httpUrl().default('https://ntfy.sh'),
  topic: z.string().min(1),
  token: secretString().optional(),
  /** 1 (min) to 5 (urgent); by the alert's severity when omitted. */
  priority: z.number().int().min(1).max(5).optional(),
});

const PRIORITY: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2 };
const TAG: Record<string, string> = {
  firing: 'rotating_light',
  reminder: 'bell',
  acknowledged: 'eyes',
  resolved: 'white_check_mark',
  test: 'wave',
};

/** An ntfy topic: the text as the message body, title, priority and tags as headers. */
export const ntfyNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'ntfy',
  description: 'an ntfy topic, on ntfy.sh or your own server',
  options,
  async send(opts, n, context) {
    const top = Math.max(...n.alerts.map((a) => PRIORITY[a.severity] ?? 3));
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      // HTTP headers are Latin-1: ntfy documents RFC 2047 encoding for anything else.
      title: `=?UTF-8?B?${Buffer.from(clip(n.title, 250)).toString('base64')}?=`,
      priority: String(opts.priority ?? top),
      tags: [...new Set(n.alerts.map((a) => TAG[a.event] ?? 'bell'))].join(','),
      'x-dayshift-delivery': n.deliveryId,
    };
    if (opts.token) headers.authorization = `Bearer ${opts.token.reveal()}`;
    const url = `${opts.url.replace(/\/+$/, '')}/${encodeURIComponent(opts.topic)}`;
    return post(url, clip(n.text, 4_000), { headers, signal: context.signal, what: 'ntfy' });
  },
};
