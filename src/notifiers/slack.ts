import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import { clip, post } from './shared/http-post.js';
import type { NotifierKindDefinition } from './types.js';

const options = z.strictObject({ webhook_url: secretUrl(['https', 'http']), channel: z.string().optional() });

/** Slack allows 50 blocks per message and 3,000 characters in a section's text. */
const MAX_BLOCKS = 50;
const SECTION_CHARS = 3_000;
const EMOJI: Record<string, string> = {
  firing: ':rotating_light:',
  reminder: ':bell:',
  acknowledged: ':eyes:',
  resolved: ':white_check_mark:',
  test: ':wave:',
};

/** A Slack incoming webhook with a Block Kit message; `text` is the fallback for notifications. */
export const slackNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'slack',
  description: 'a Slack incoming webhook',
  options,
  async send(opts, n, context) {
    const lines = n.alerts.map(
      (a) =>
        `${EMOJI[a.event] ?? ''} *${a.name}* (${a.severity}${a.flapping ? ', flapping' : ''}): ${a.summary}`,
    );
    const room = MAX_BLOCKS - 2;
    const sections = lines.slice(0, room).map((line) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(line, SECTION_CHARS) },
    }));
    if (lines.length > room)
      sections[room - 1] = {
        type: 'section',
        text: { type: 'mrkdwn', text: `…and ${lines.length - room + 1} more` },
      };
    const payload = {
      ...(opts.channel ? { channel: opts.channel } : {}),
      text: clip(n.title, SECTION_CHARS),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: clip(n.title, 150), emoji: true } },
        ...sections,
        { type: 'context', elements: [{ type: 'mrkdwn', text: `${n.stack} · delivery ${n.deliveryId}` }] },
      ],
    };
    return post(opts.webhook_url.reveal(), JSON.stringify(payload), {
      signal: context.signal,
      what: 'Slack',
    });
  },
};
