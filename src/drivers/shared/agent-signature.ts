import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * How a request to `dayshift agent` is signed (docs/agent.md). The client and the agent share a token;
 * each request carries a timestamp, a random nonce and an HMAC-SHA256, keyed with the token, over:
 *
 *   dayshift-agent-v1 \n METHOD \n path \n timestamp \n nonce \n hex(SHA-256(body))
 *
 * The token itself never travels. The agent accepts a timestamp within WINDOW_MS of its own clock and
 * remembers each nonce for as long, so a captured request cannot be sent again.
 */

export const SIGNATURE_VERSION = 'dayshift-agent-v1';
/** How far a request's timestamp may be from the agent's clock, either way. */
export const WINDOW_MS = 30_000;
export const HEADERS = {
  timestamp: 'x-dayshift-timestamp',
  nonce: 'x-dayshift-nonce',
  signature: 'x-dayshift-signature',
} as const;

/** What a signature covers. */
export interface SignedParts {
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  body: string | Buffer;
}

export function signatureOf(token: string, parts: SignedParts): string {
  const bodyHash = createHash('sha256').update(parts.body).digest('hex');
  const text = [
    SIGNATURE_VERSION,
    parts.method.toUpperCase(),
    parts.path,
    parts.timestamp,
    parts.nonce,
    bodyHash,
  ].join('\n');
  return createHmac('sha256', token).update(text).digest('hex');
}

/** The headers that sign one request, made now with a fresh nonce. */
export function signedHeaders(
  token: string,
  request: { method: string; path: string; body: string },
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  return {
    [HEADERS.timestamp]: timestamp,
    [HEADERS.nonce]: nonce,
    [HEADERS.signature]: signatureOf(token, { ...request, timestamp, nonce }),
  };
}

/** Whether a signature given in hex is the expected one, compared in constant time. */
export function signatureMatches(expected: string, given: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}
