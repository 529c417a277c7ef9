import type { IncomingHttpHeaders } from 'node:http';
import { HEADERS, signatureMatches, signatureOf, WINDOW_MS } from '../drivers/shared/agent-signature.js';
import { DayshiftError } from '../errors.js';
import type { Secret } from '../schema/secret.js';
import type { NonceMemory } from './nonce-memory.js';

const HINT =
  "sign each request with the agent's token (docs/agent.md): the `agent: { url, token }` of the service's driver must hold the token the agent was started with";

/**
 * Accepts a request signed with the agent's token, inside the window of the agent's clock, whose nonce
 * was never seen; refuses anything else with `AGENT_AUTH_FAILED` and a message that says which. The
 * signature is checked first, so an unsigned request learns nothing and fills no memory.
 */
export function authenticate(
  token: Secret,
  nonces: NonceMemory,
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  now: number,
): void {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const timestamp = header(HEADERS.timestamp);
  const nonce = header(HEADERS.nonce);
  const signature = header(HEADERS.signature);
  if (!timestamp || !nonce || !signature)
    throw new DayshiftError('AGENT_AUTH_FAILED', 'unsigned request: the agent takes only signed requests', {
      hint: `send ${Object.values(HEADERS).join(', ')}; ${HINT}`,
    });
  if (!/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{32}$/.test(nonce))
    throw new DayshiftError('AGENT_AUTH_FAILED', 'malformed signature headers', { hint: HINT });
  const expected = signatureOf(token.reveal(), {
    method: request.method,
    path: request.path,
    timestamp,
    nonce,
    body: request.body,
  });
  if (!signatureMatches(expected, signature))
    throw new DayshiftError(
      'AGENT_AUTH_FAILED',
      'wrong signature: the request was signed with another token, or changed on its way',
      { hint: HINT },
    );
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > WINDOW_MS)
    throw new DayshiftError(
      'AGENT_AUTH_FAILED',
      `stale request: its timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'behind' : 'ahead of'} the agent's clock (at most ${WINDOW_MS / 1000} s)`,
      { hint: "send a fresh request; if it was fresh, set both machines' clocks (NTP)" },
    );
  const seen = nonces.remember(nonce, Number(timestamp) + WINDOW_MS, now);
  if (seen !== 'new')
    throw seen === 'full'
      ? new DayshiftError('AGENT_AUTH_FAILED', 'too many requests in the last 30 s to tell a replay', {
          hint: 'send fewer requests, or wait half a minute',
        })
      : new DayshiftError('AGENT_AUTH_FAILED', 'replayed request: its nonce was already used', {
          hint: 'each request is accepted once; sign a new one with a fresh nonce',
        });
}
