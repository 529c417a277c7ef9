import { commandNotifier } from './command.js';
import { discordNotifier } from './discord.js';
import { emailNotifier } from './email.js';
import { ntfyNotifier } from './ntfy.js';
import { pagerdutyNotifier } from './pagerduty.js';
import { slackNotifier } from './slack.js';
import { teamsNotifier } from './teams.js';
import type { NotifierKindDefinition } from './types.js';
import { webhookNotifier } from './webhook.js';

/** Every notifier kind, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const notifierKinds = {
  webhook: webhookNotifier,
  slack: slackNotifier,
  email: emailNotifier,
  pagerduty: pagerdutyNotifier,
  ntfy: ntfyNotifier,
  discord: discordNotifier,
  teams: teamsNotifier,
  command: commandNotifier,
} as const satisfies Record<string, NotifierKindDefinition>;

export type NotifierKind = keyof typeof notifierKinds;
