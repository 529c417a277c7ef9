import { z } from 'zod';
import type { Secret } from '../../schema/secret.js';
import { secretString } from '../../schema/secret-schema.js';
import { isUrl } from '../../schema/values.js';

/** Where a `dayshift agent` listens: `http://127.0.0.1:<port>` or `unix:/path/to/agent.sock`. */
export const agentUrl = () =>
  z
    .string({ error: 'expected http://127.0.0.1:<port> or unix:/path/to/agent.sock' })
    .refine(
      (value) => isUrl(value, ['http']) || /^unix:[^\0]+$/.test(value),
      'expected http://127.0.0.1:<port> or unix:/path/to/agent.sock',
    )
    .describe('the agent: http://127.0.0.1:<port>, or unix:<path> (relative to the stack file)');

/**
 * Delegation to `dayshift agent`, the separate process that alone holds the Docker socket and accepts
 * a fixed list of typed actions, authenticated by a shared token. Shared by the compose and docker drivers.
 */
export const agentOptions = () =>
  z
    .strictObject({ url: agentUrl(), token: secretString() })
    .describe('send actions to a dayshift agent instead of using the Docker socket directly');

/** A driver's `agent:` as it loads: where the agent listens and the token that signs each request. */
export interface AgentOptions {
  url: string;
  token: Secret;
}

/** The `agent:` of a driver's loaded options, when it has one: its actions then go to the agent. */
export function agentOf(options: unknown): AgentOptions | undefined {
  if (!options || typeof options !== 'object' || !('agent' in options)) return undefined;
  const agent = (options as { agent?: AgentOptions }).agent;
  return agent && typeof agent.url === 'string' ? agent : undefined;
}
