import type { z } from 'zod';
import type { ConditionResult, ConditionSubject, ResultField } from '../conditions/index.js';
import type { PluginDefinition } from '../schema/plugin.js';
import type { Clock } from '../util/clock.js';

/**
 * The contract every check kind implements. A kind is a plain object in its own file:
 *   options        its zod schema (what the user writes under the kind's key)
 *   defaultExpect  the conditions used when a check has no `expect:` (for http, `status < 400`)
 *   produces       what its results carry, so `validate` refuses a condition on a field it never fills
 *   probe          measures once and returns what it saw; it never throws for a failed target
 *   pushed         set by a kind whose job reports to Dayshift instead of being probed (heartbeat)
 *   certificate    whether a check of this kind sees a certificate whose expiry `/metrics` exports
 */
export interface CheckKindDefinition<Options = unknown> extends PluginDefinition {
  defaultExpect: readonly string[];
  produces(options: Options): ResultShape;
  probe(options: Options, context: ProbeContext): Promise<ProbeOutcome>;
  pushed?: PushCapability<Options>;
  /** True when the check's results carry a certificate (`cert.expires_in`); absent means never. */
  certificate?(options: Options): boolean;
}

/**
 * A pushed kind's checks get a ping URL their job calls (`/ping/<token>`), shown by `dayshift status`
 * and the checks API, and a failure is a missed run rather than an unhealthy target.
 */
export interface PushCapability<Options = unknown> {
  /** The URL's token the options set; without one, Dayshift makes one. */
  token(options: Options): string | undefined;
  /**
   * The project ping key and slug of the check's `/ping/<ping-key>/<slug>` URL, when its options set
   * a ping key; `name` is the check's name, the slug when the options give none.
   */
  slugUrl(options: Options, name: string): { pingKey: string; slug: string } | undefined;
  /**
   * The next time the check's verdict changes by time alone (silence, a run left open), or undefined
   * when only a ping can change it. The node evaluates the check then, rather than on its interval.
   */
  deadline(options: Options, pings: HeartbeatPings): number | undefined;
  /** The word an alert uses for a failure with this reason: the job said it failed, or went quiet. */
  failureWord(reason: string): 'failed' | 'missed';
}

/**
 * The fields and named values a kind's results carry (`latency` is on every run). A value filled only
 * sometimes (docker's `exit_code` once the container stopped) is still listed: a condition on it is
 * meaningful even when one result lacks it.
 */
export interface ResultShape {
  fields: readonly ResultField[];
  values: readonly string[];
  /** True when the options add names the kind cannot list before it runs (a query's columns). */
  openValues?: boolean;
}

/** What a probe is given besides its options. */
export interface ProbeContext {
  /** `service.check`, or `smoke:<suite>#<n>` for a smoke step. */
  checkId: string;
  /** Aborted when the check's timeout passes: the probe stops its work (kills, destroys, closes). */
  signal: AbortSignal;
  timeoutMs: number;
  /** The stack file's directory; relative paths in options resolve from here. */
  baseDir: string;
  clock: Clock;
  /** The pings push checks received, for the heartbeat kind. */
  heartbeats: HeartbeatReader;
}

/** What one probe saw. The runner adds the verdicts of the conditions and the check's latency. */
export interface ProbeOutcome {
  /** The fields conditions read: status, body, headers, values, exit_code, cert.*, ... */
  subject: ConditionSubject;
  /**
   * Set when the probe could not get a result at all (connection refused, no such container): the
   * sample fails whatever the conditions say, and this is its reason.
   */
  error?: string;
  /** Phases of the probe in ms, such as http's dns, connect, tls, first_byte, total. */
  timings?: Record<string, number>;
  /** Kind-specific facts worth showing (the certificate's subject, the resolved addresses). */
  details?: Record<string, unknown>;
}

/** The last pings of a heartbeat check, as the store holds them. */
export interface HeartbeatPings {
  /** When the check was first known to the store: silence is measured from here before any ping. */
  createdAt: number;
  /** The last success. */
  lastPingAt?: number;
  /** The start of the run still open: a finish that pairs with it, or a failure, closes it. */
  lastStartAt?: number;
  lastFailAt?: number;
  /** The last failure's exit status (`/ping/<token>/3`) and body, while it is newer than any success. */
  lastFailure?: { exitStatus?: number; body: string };
  /** How long the last finished run took since its start; absent when it had no start. */
  lastDurationMs?: number;
}

export interface HeartbeatReader {
  pings(checkId: string): Promise<HeartbeatPings | undefined>;
}

/** How one run of a check ended: `warn` means only `warn:` conditions failed. */
export type Outcome = 'pass' | 'warn' | 'fail';

/** One check result: time, verdict, latency, values, which condition failed. Data, never an exception. */
export interface CheckResult {
  checkId: string;
  /** When the run started, epoch ms. */
  at: number;
  outcome: Outcome;
  ok: boolean;
  latencyMs: number;
  /** Why it failed when no condition says so: a probe error or a timeout. */
  error?: string;
  timedOut?: boolean;
  conditions: ConditionResult[];
  values: Record<string, number | string | boolean | null>;
  /** The HTTP status code of the response, for a kind that reads one. */
  status?: number;
  /** When the certificate the check saw expires, epoch ms (its notAfter, to the second). */
  certExpiresAt?: number;
  timings?: Record<string, number>;
  details?: Record<string, unknown>;
}

/** The options type of a kind, for writing its probe. */
export type OptionsOfKind<S extends z.ZodType> = z.output<S>;
