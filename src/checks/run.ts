import {
  type ConditionSubject,
  evaluateCondition,
  type ParsedCondition,
  parseCondition,
} from '../conditions/index.js';
import { formatDuration } from '../schema/duration.js';
import type { Clock } from '../util/clock.js';
import { type CheckKind, checkKinds } from './registry.js';
import type { CheckResult, HeartbeatReader, Outcome, ProbeOutcome } from './types.js';

/** What running a check needs to know about it; a configured check and a smoke step both fit. */
export interface RunnableCheck {
  id: string;
  kind: CheckKind;
  options: unknown;
  expect: readonly ParsedCondition[];
  timeout: number;
  /** What earlier steps of a smoke suite captured, which conditions read as `[CONTEXT].name`. */
  context?: Readonly<Record<string, string>>;
}

/** What every run shares: the clock, where relative paths start, where heartbeat pings are read. */
export interface RunEnvironment {
  clock: Clock;
  baseDir: string;
  heartbeats: HeartbeatReader;
}

const defaultConditions = new Map<string, readonly ParsedCondition[]>();

/** The conditions a check of this kind is held to when it has no `expect:` of its own. */
export function defaultExpectOf(kind: CheckKind): readonly ParsedCondition[] {
  let parsed = defaultConditions.get(kind);
  if (!parsed) {
    parsed = checkKinds[kind].defaultExpect.map((source) => parseCondition(source));
    defaultConditions.set(kind, parsed);
  }
  return parsed;
}

/**
 * Runs one check once: the probe under its timeout, then every condition. Never throws: a probe that
 * throws, hangs past the timeout or reports an error gives a failed result that says why.
 */
export async function runCheck(check: RunnableCheck, env: RunEnvironment): Promise<CheckResult> {
  return (await runCheckFully(check, env)).result;
}

/** A run's result and what the probe saw in full (the body, the cookies), for smoke steps' captures. */
export interface FullRun {
  result: CheckResult;
  subject: ConditionSubject;
}

/** Runs a check and keeps what the probe saw beside the result; the result alone is what is stored. */
export async function runCheckFully(check: RunnableCheck, env: RunEnvironment): Promise<FullRun> {
  const at = env.clock.now();
  const started = performance.now();
  const controller = new AbortController();
  // One promise settles with whichever comes first, the probe or the timeout: this runs thousands of
  // times a second, so it avoids a second promise and a race per run.
  const outcome = await new Promise<ProbeOutcome | 'timeout'>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${formatDuration(check.timeout)}`));
      resolve('timeout');
    }, check.timeout);
    const settle = (value: ProbeOutcome) => {
      clearTimeout(timer);
      resolve(value);
    };
    try {
      checkKinds[check.kind]
        .probe(check.options as never, {
          checkId: check.id,
          signal: controller.signal,
          timeoutMs: check.timeout,
          baseDir: env.baseDir,
          clock: env.clock,
          heartbeats: env.heartbeats,
        })
        .then(settle, (error: unknown) => settle(failure(error)));
    } catch (error) {
      settle(failure(error));
    }
  });
  const wallMs = performance.now() - started;
  if (outcome === 'timeout') {
    const result: CheckResult = {
      checkId: check.id,
      at,
      outcome: 'fail',
      ok: false,
      latencyMs: round(wallMs),
      error: `timed out after ${formatDuration(check.timeout)}`,
      timedOut: true,
      conditions: [],
      values: {},
    };
    return { result, subject: {} };
  }
  return { result: resultOf(check, at, outcome, wallMs), subject: outcome.subject };
}

function failure(error: unknown): ProbeOutcome {
  return { subject: {}, error: error instanceof Error ? error.message : String(error) };
}

/**
 * Judges a probe's outcome against the check's conditions. A probe error (connection refused) is a
 * result too, as in Gatus: the conditions read what the probe saw (`connected` false, no status), so
 * `[CONNECTED] == false` on a closed port passes, and `status == 200` fails beside the error's text.
 */
export function resultOf(check: RunnableCheck, at: number, probe: ProbeOutcome, wallMs: number): CheckResult {
  const latencyMs = round(probe.subject.latencyMs ?? wallMs);
  const subject = check.context
    ? { ...probe.subject, latencyMs, context: { ...check.context } }
    : { ...probe.subject, latencyMs };
  const own = check.expect.length > 0;
  const expect = own ? check.expect : defaultExpectOf(check.kind);
  const conditions = expect.map((c) => evaluateCondition(c, subject));
  // The default conditions say the target answers; a probe error is their failure whatever they read.
  const outcome = judge(probe.error !== undefined && !own, conditions);
  const result: CheckResult = {
    checkId: check.id,
    at,
    outcome,
    ok: outcome !== 'fail',
    latencyMs,
    conditions,
    values: { ...probe.subject.values },
  };
  // Certificate expiry is kept as a value so history, rules and /metrics can read it without conditions.
  if (probe.subject.certExpiresInMs !== undefined) {
    result.values.cert_expires_in_days = Math.round((probe.subject.certExpiresInMs / 86_400_000) * 100) / 100;
    // The probe measured from a moment at or after `at`, and notAfter is whole seconds: rounding up
    // gives notAfter itself, so /metrics exports the same timestamp on every run.
    result.certExpiresAt = Math.ceil((at + probe.subject.certExpiresInMs) / 1000) * 1000;
  }
  if (probe.subject.status !== undefined) result.status = probe.subject.status;
  if (probe.error) result.error = probe.error;
  if (probe.timings) result.timings = probe.timings;
  if (probe.details) result.details = probe.details;
  return result;
}

function judge(failed: boolean, conditions: CheckResult['conditions']): Outcome {
  if (failed) return 'fail';
  if (conditions.some((c) => !c.ok && c.severity === 'fail')) return 'fail';
  if (conditions.some((c) => !c.ok)) return 'warn';
  return 'pass';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * The error of a failed run, or the first failing condition: the one-line answer to "why is it red". A
 * passing result may carry its probe's error (a negative check on a closed port): that is no reason.
 */
export function reasonOf(result: CheckResult): string | undefined {
  if (result.error && result.outcome === 'fail') return result.error;
  const failed =
    result.conditions.find((c) => !c.ok && c.severity === 'fail') ?? result.conditions.find((c) => !c.ok);
  if (!failed) return undefined;
  const actual = failed.reason ?? `actual ${JSON.stringify(failed.actual)}`;
  return `${failed.expr} (${actual})`;
}
