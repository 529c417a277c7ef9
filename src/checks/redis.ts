import { z } from 'zod';
import { redactUrl } from '../schema/secret.js';
import { secretUrl } from '../schema/secret-schema.js';
import { loadRedis } from '../util/client-libraries.js';
import { abortReason, type NamedValue, safeMessage } from './shared/database-values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const LENGTHS = ['llen', 'xlen', 'zcard'] as const;

const options = z
  .strictObject({
    url: secretUrl(['redis', 'rediss']),
    llen: z.string().min(1).optional(),
    xlen: z.string().min(1).optional(),
    zcard: z.string().min(1).optional(),
    info: z.array(z.string().min(1)).optional(),
  })
  .superRefine((o, ctx) => {
    const used = LENGTHS.filter((k) => o[k] !== undefined);
    if (used.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [used[1] as string],
        message: `expected one of llen, xlen or zcard, got ${used.join(' and ')}`,
        params: { got: false },
      });
  });
type RedisOptions = z.output<typeof options>;

/**
 * Redis PING (redis-cli ping), and optionally the length of a list, stream or sorted set as `value`
 * (a Celery queue is a list; a missing key has length 0) and INFO fields as named values
 * (`connected_clients`, numbers as numbers). A field INFO does not have is an error, so a typo shows.
 */
export const redisCheck = {
  kind: 'redis',
  description:
    'Redis PING; value is the length of a list (llen), stream (xlen) or sorted set (zcard); INFO fields as named values',
  options,
  defaultExpect: ['connected == true'],
  produces: (o) => ({
    fields: ['connected'],
    values: [
      'ping',
      ...(o.llen !== undefined || o.xlen !== undefined || o.zcard !== undefined ? ['value'] : []),
      ...(o.info ?? []),
    ],
  }),
  probe: probeRedis,
} satisfies CheckKindDefinition<RedisOptions>;

async function probeRedis(o: RedisOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const shown = redactUrl(o.url.reveal());
  // One attempt per run: the check's own schedule is the retry, and a queued command would outlive it.
  const Redis = await loadRedis();
  const client = new Redis(o.url.reveal(), {
    lazyConnect: true,
    connectTimeout: context.timeoutMs,
    commandTimeout: context.timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    enableOfflineQueue: false,
  });
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  const stop = () => client.disconnect();
  context.signal.addEventListener('abort', stop, { once: true });
  // ioredis rejects connect() with a bare "Connection is closed." after a refused AUTH or a reset; the
  // 'error' event before it says what happened.
  const why = (error: unknown) =>
    context.signal.aborted ? abortReason(context.signal) : safeMessage(lastError ?? error, o.url);
  try {
    try {
      await client.connect();
    } catch (error) {
      return { subject: { connected: false }, error: `could not connect to ${shown}: ${why(error)}` };
    }
    try {
      const pong = await client.ping();
      const values: Record<string, NamedValue> = { ping: pong };
      if (o.llen !== undefined) values.value = await client.llen(o.llen);
      else if (o.xlen !== undefined) values.value = await client.xlen(o.xlen);
      else if (o.zcard !== undefined) values.value = await client.zcard(o.zcard);
      if (o.info?.length) {
        const info = parseInfo(await client.info());
        for (const field of o.info) {
          const value = info.get(field);
          if (value === undefined)
            return { subject: { connected: true, values }, error: `INFO has no field ${field}` };
          values[field] = value;
        }
      }
      return { subject: { connected: true, values } };
    } catch (error) {
      return { subject: { connected: true }, error: `${shown}: ${why(error)}` };
    }
  } finally {
    context.signal.removeEventListener('abort', stop);
    client.disconnect();
  }
}

/** `field:value` lines of INFO; values that are numbers become numbers. */
export function parseInfo(text: string): Map<string, NamedValue> {
  const fields = new Map<string, NamedValue>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const raw = line.slice(at + 1);
    fields.set(line.slice(0, at), raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw);
  }
  return fields;
}
