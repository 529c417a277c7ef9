import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import { clip, post } from './shared/http-post.js';
import type { NotifierKindDefinition } from './types.js';

const options = z.strictObject({ webhook_url: secretUrl(['https', 'http']) });

/** Discord allows 10 embeds per message, a 256-character title and a 4,096-character description. */
const MAX_EMBEDS = 10;
const COLOR: Record<string, number> = {
  firing: 0xd93f0b,
  reminder: 0xfbca04,
  acknowledged: 0x1d76db,
  resolved: 0x0e8a16,
  test: 0x5319e7,
};

/** A Discord webhook: one embed per alert, the rest summed up in the content. */
export const discordNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'discord',
  description: 'a Discord webhook',
  options,
  async send(opts, n, context) {
    const shown = n.alerts.slice(0, MAX_EMBEDS);
    const rest = n.alerts.length - shown.length;
    const payload = {
      username: 'Dayshift',
      content: clip(rest > 0 ? `${n.title} (${rest} more not shown)` : n.title, 2_000),
      embeds: shown.map((a) => ({
        title: clip(`[${a.event.toUpperCase()}] ${a.name}`, 256),
        description: clip(a.summary, 4_096),
        color: COLOR[a.event] ?? 0x999999,
        timestamp: a.resolvedAt ?? a.firedAt ?? a.startedAt,
        fields: [
          { name: 'severity', value: a.severity, inline: true },
          ...(a.service ? [{ name: 'service', value: a.service, inline: true }] : []),
        ],
        footer: { text: clip(`${n.stack} · ${a.key}`, 2_048) },
      })),
      allowed_mentions: { parse: [] },
    };
    return post(opts.webhook_url.reveal(), JSON.stringify(payload), {
      signal: context.signal,
      what: 'Discord',
    });
  },
};
