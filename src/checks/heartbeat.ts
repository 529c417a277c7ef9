import { z } from 'zod';
import { formatDuration } from '../schema/duration.js';
import { secretString } from '../schema/secret-schema.js';
import { span } from '../schema/values.js';
import type { CheckKindDefinition, HeartbeatPings, ProbeContext, ProbeOutcome } from './types.js';

/** Healthchecks' slugs: lowercase, so a URL names one check however it is typed. */
const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
/** Healthchecks' ping keys are 22 characters; a shorter one would be guessed. */
const PING_KEY = /^[A-Za-z0-9_-]{16,}$/;

const options = z.strictObject({
  period: span(1),
  grace: span().prefault('0s'),
  /** The URL's secret; without one, Dayshift makes one and shows the URL in `dayshift status`. */
  token: secretString().optional(),
  /** The project ping key of a `/ping/<ping-key>/<slug>` URL, as Healthchecks' projects have. */
  ping_key: secretString()
    .refine((key) => PING_KEY.test(key.reveal()), {
      message: 'expected a ping key of at least 16 letters, digits, - and _',
      params: { secret: true },
    })
    .optional(),
  /** The slug of that URL; the check's name, lowercased, when omitted. */
  slug: z
    .string()
    .regex(SLUG, 'expected a slug of lowercase letters, digits, - and _, as Healthchecks writes them')
    .optional(),
});
type HeartbeatOptions = z.output<typeof options>;

/** The reason's opening for a job that reported its failure, as opposed to one that went quiet. */
const FAILED = 'the job failed';
/** How much of a failure's body the reason (and so the alert's text) carries: its end, where errors are. */
const REASON_BODY_CHARS = 1_000;

/**
 * A push check, as Healthchecks does it: a cron job calls its URL when it finishes (`/ping/<token>`,
 * or `/ping/<token>/<exit status>`), optionally `/start` when it begins and `/fail` when it fails.
 * Silence longer than period + grace is a failure; so is a start with no finish within grace, and a
 * failure newer than the last success. Values: on_time, seconds_since_ping, and run_seconds (start to
 * finish of the last run that paired with its start).
 */
export const heartbeatCheck = {
  kind: 'heartbeat',
  description:
    'a push check: the job calls its heartbeat URL; silence longer than period + grace is a failure',
  options,
  defaultExpect: ['on_time == true'],
  produces: () => ({ fields: [], values: ['seconds_since_ping', 'run_seconds', 'on_time'] }),
  probe: probeHeartbeat,
  pushed: {
    token: (o) => o.token?.reveal(),
    slugUrl: (o, name) =>
      o.ping_key ? { pingKey: o.ping_key.reveal(), slug: o.slug ?? name.toLowerCase() } : undefined,
    deadline,
    failureWord: (reason) => (reason.startsWith(FAILED) ? 'failed' : 'missed'),
  },
} satisfies CheckKindDefinition<HeartbeatOptions>;

function failing(pings: HeartbeatPings): boolean {
  return pings.lastFailAt !== undefined && pings.lastFailAt >= (pings.lastPingAt ?? 0);
}

/**
 * When the verdict turns late by itself: period + grace after the last success (or the check's
 * creation), or grace after a start still open; a failing check stays failed until a ping.
 */
function deadline(o: HeartbeatOptions, pings: HeartbeatPings): number | undefined {
  if (failing(pings)) return undefined;
  // The verdict is late once the silence is longer than its bound: one millisecond past it.
  const silent = (pings.lastPingAt ?? pings.createdAt) + o.period + o.grace + 1;
  return pings.lastStartAt === undefined ? silent : Math.min(silent, pings.lastStartAt + o.grace + 1);
}

async function probeHeartbeat(o: HeartbeatOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const pings = await context.heartbeats.pings(context.checkId);
  if (!pings)
    return {
      subject: { values: { on_time: false } },
      error:
        'this heartbeat has no URL yet: it is made when `dayshift serve` or `dayshift check` first sees it',
    };
  const now = context.clock.now();
  const lastOk = pings.lastPingAt;
  const since = now - (lastOk ?? pings.createdAt);
  const values: Record<string, number | boolean | null> = {
    seconds_since_ping: lastOk === undefined ? null : Math.round(since / 1000),
  };
  if (pings.lastDurationMs !== undefined) values.run_seconds = Math.round(pings.lastDurationMs / 100) / 10;
  const late = (error: string): ProbeOutcome => ({
    subject: { values: { ...values, on_time: false } },
    error,
  });

  if (failing(pings)) return late(failure(pings, now));
  const started = pings.lastStartAt;
  if (started !== undefined && now - started > o.grace)
    return late(
      `the job started ${roughly(now - started)} ago and has not finished (grace ${formatDuration(o.grace)})`,
    );
  if (since > o.period + o.grace)
    return late(
      `${lastOk === undefined ? 'no ping since the check was created' : 'no ping'} for ${roughly(since)} (period ${formatDuration(o.period)} + grace ${formatDuration(o.grace)})`,
    );
  return { subject: { values: { ...values, on_time: true } } };
}

/** `the job failed with exit status 3, 1s ago: <the end of its output>` */
function failure(pings: HeartbeatPings, now: number): string {
  const status = pings.lastFailure?.exitStatus;
  const head = `${FAILED}${status === undefined ? '' : ` with exit status ${status},`} ${roughly(now - (pings.lastFailAt ?? now))} ago`;
  const body = pings.lastFailure?.body.trim() ?? '';
  if (body === '') return head;
  const tail = body.length > REASON_BODY_CHARS ? `…${body.slice(-REASON_BODY_CHARS)}` : body;
  return `${head}: ${tail}`;
}

/** Seconds are precise enough to tell a person how long a job has been silent. */
function roughly(ms: number): string {
  return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));
}
