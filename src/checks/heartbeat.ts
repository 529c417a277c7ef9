import { z } from 'zod';
import { formatDuration } from '../schema/duration.js';
import { secretString } from '../schema/secret-schema.js';
import { span } from '../schema/values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  period: span(1),
  grace: span().prefault('0s'),
  /** The URL's secret; without one, Dayshift makes one and shows the URL in `dayshift status`. */
  token: secretString().optional(),
});
type HeartbeatOptions = z.output<typeof options>;

/**
 * A push check, as Healthchecks does it: a cron job calls its URL when it finishes (`/ping/<token>`),
 * optionally `/start` when it begins and `/fail` when it fails. Silence longer than period + grace is
 * a failure; so is a start with no finish within grace, and a `/fail` newer than the last success.
 * Values: on_time, seconds_since_ping, and run_seconds (start to finish of the last run).
 */
export const heartbeatCheck = {
  kind: 'heartbeat',
  description:
    'a push check: the job calls its heartbeat URL; silence longer than period + grace is a failure',
  options,
  defaultExpect: ['on_time == true'],
  produces: () => ({ fields: [], values: ['seconds_since_ping', 'run_seconds', 'on_time'] }),
  probe: probeHeartbeat,
  pushed: { token: (o) => o.token?.reveal() },
} satisfies CheckKindDefinition<HeartbeatOptions>;

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
  if (pings.lastStartAt !== undefined && lastOk !== undefined && lastOk >= pings.lastStartAt)
    values.run_seconds = Math.round((lastOk - pings.lastStartAt) / 100) / 10;
  const late = (error: string): ProbeOutcome => ({
    subject: { values: { ...values, on_time: false } },
    error,
  });

  if (pings.lastFailAt !== undefined && pings.lastFailAt >= (lastOk ?? 0))
    return late(`the job reported a failure ${roughly(now - pings.lastFailAt)} ago`);
  const started = pings.lastStartAt;
  if (started !== undefined && started > (lastOk ?? 0) && now - started > o.grace)
    return late(
      `the job started ${roughly(now - started)} ago and has not finished (grace ${formatDuration(o.grace)})`,
    );
  if (since > o.period + o.grace)
    return late(
      `${lastOk === undefined ? 'no ping since the check was created' : 'no ping'} for ${roughly(since)} (period ${formatDuration(o.period)} + grace ${formatDuration(o.grace)})`,
    );
  return { subject: { values: { ...values, on_time: true } } };
}

/** Seconds are precise enough to tell a person how long a job has been silent. */
function roughly(ms: number): string {
  return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));
}
