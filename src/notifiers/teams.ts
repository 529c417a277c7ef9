import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import { clip, post } from './shared/http-post.js';
import type { NotifierKindDefinition } from './types.js';

const options = z.strictObject({ webhook_url: secretUrl(['https', 'http']) });

const COLOR: Record<string, string> = {
  firing: 'attention',
  reminder: 'warning',
  acknowledged: 'accent',
  resolved: 'good',
  test: 'default',
};

/** A Teams workflow or incoming webhook: a message with one Adaptive Card attachment. */
export const teamsNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'teams',
  description: 'a Microsoft Teams incoming webhook or workflow URL',
  options,
  async send(opts, n, context) {
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'TextBlock', size: 'Large', weight: 'Bolder', wrap: true, text: clip(n.title, 500) },
        ...n.alerts.slice(0, 50).map((a) => ({
          type: 'TextBlock',
          wrap: true,
          color: COLOR[a.event] ?? 'default',
          text: clip(`**[${a.event.toUpperCase()}] ${a.name}** (${a.severity}): ${a.summary}`, 2_000),
        })),
        ...(n.alerts.length > 50
          ? [{ type: 'TextBlock', wrap: true, text: `…and ${n.alerts.length - 50} more` }]
          : []),
        {
          type: 'TextBlock',
          isSubtle: true,
          size: 'Small',
          wrap: true,
          text: `${n.stack} · delivery ${n.deliveryId}`,
        },
      ],
    };
    const payload = {
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    };
    return post(opts.webhook_url.reveal(), JSON.stringify(payload), {
      signal: context.signal,
      what: 'Teams',
    });
  },
};
