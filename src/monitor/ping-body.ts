import type { Readable } from 'node:stream';
import { scrubSecrets } from '../schema/secret.js';

/** The body kept with a ping, as Healthchecks keeps the first 100 kB of it; the rest is read and dropped. */
export const PING_BODY_LIMIT = 100_000;

/** What a ping's body became: the text kept, and how many bytes were sent. */
export interface PingBody {
  text: string;
  bytes: number;
}

/**
 * Reads a request body of any type and any size: the first PING_BODY_LIMIT bytes are kept, the rest
 * is read and dropped, so a cron job's long output is cut rather than refused and its signal is kept.
 */
export function readPingBody(stream: Readable): Promise<PingBody> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let size = 0;
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (size < PING_BODY_LIMIT) {
        const part = chunk.subarray(0, PING_BODY_LIMIT - size);
        kept.push(part);
        size += part.length;
      }
    });
    stream.once('end', () => resolve({ text: textOf(Buffer.concat(kept)), bytes }));
    stream.once('error', reject);
  });
}

/**
 * The body as text a store can hold and a person can read: UTF-8 (a character cut at the limit or
 * invalid bytes become U+FFFD), no NUL (PostgreSQL's text refuses it), no known secret.
 */
function textOf(buffer: Buffer): string {
  return scrubSecrets(buffer.toString('utf8').replaceAll('\u0000', '\uFFFD'));
}
