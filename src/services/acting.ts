import { DEFAULTS } from '../config/defaults.js';
import type { StackConfig } from '../config/schema.js';
import type { ServiceAction } from '../drivers/types.js';
import { DayshiftError } from '../errors.js';
import type { EvidenceSummary } from '../runs/evidence.js';
import type { StepScope } from '../runs/recorder.js';
import { parseDuration } from '../schema/duration.js';
import { scrubSecrets } from '../schema/secret.js';
import { ownValue } from '../util/own.js';
import type { ActionOutcome, ActionRequest, ServiceHandle } from './service-control.js';

/**
 * Acting on a service with evidence: before an action that changes what the service is running, its
 * recent logs are kept with the step that acts (runbook 000's "preserve logs before restart cycles").
 * The runbook engine's action steps, `dayshift svc` and the services API all act through
 * `performAction`, so the logs are kept whoever asks.
 */

/** The actions before which the service's logs are kept: those that end the processes writing them. */
export const CHANGING_ACTIONS = ['restart', 'stop', 'rebuild', 'redeploy'] as const;
export type ChangingAction = (typeof CHANGING_ACTIONS)[number];

/** Lines asked of the driver: enough for the whole window; the bytes kept are bounded by `maxBytes`. */
const CAPTURE_TAIL_LINES = 10_000;

/** How logs are kept before acting: how far back, how much, and how long reading them may take. */
export interface CaptureOptions {
  /** How far back, where the driver can tell (a plain log file cannot). */
  sinceMs: number;
  /** The most of them kept (at most EVIDENCE_MAX_BYTES); the rest is cut, its size and hash kept. */
  maxBytes?: number;
  /** Reading them is given up after this long, and the action goes ahead. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Whether the logs were kept, and if not, why; recorded with the step either way. */
export type CaptureOutcome =
  | { kept: true; evidence: EvidenceSummary; leftOut: number }
  | { kept: false; reason: string };

export const CAPTURE_DEFAULTS: Readonly<Required<Omit<CaptureOptions, 'signal'>>> = {
  sinceMs: parseDuration(DEFAULTS.evidence.logsBeforeActing.since) as number,
  maxBytes: DEFAULTS.evidence.logsBeforeActing.maxBytes,
  timeoutMs: parseDuration(DEFAULTS.evidence.logsBeforeActing.timeout) as number,
};

/** The capture a service's `logs_before_acting:` asks for (its defaults when the service does not say). */
export function captureOptionsOf(config: StackConfig, service: string): CaptureOptions {
  const setting = ownValue(config.services, service)?.logs_before_acting;
  return {
    sinceMs: setting?.since ?? CAPTURE_DEFAULTS.sinceMs,
    maxBytes: setting?.max_bytes ?? CAPTURE_DEFAULTS.maxBytes,
    timeoutMs: CAPTURE_DEFAULTS.timeoutMs,
  };
}

export function isChangingAction(action: ServiceAction): action is ChangingAction {
  return (CHANGING_ACTIONS as readonly string[]).includes(action);
}

/**
 * Keeps the last `sinceMs` of the service's logs as one `log` item of the step's evidence, bounded and
 * hashed by the evidence layer. Never throws for the logs: a driver that cannot give them, a reader
 * that fails or takes longer than `timeoutMs`, is recorded as an `output` item saying "logs not kept:
 * <why>", and the outcome says so; the caller acts either way. Only an abort of `signal` (the caller
 * was stopped) throws.
 */
export async function captureLogsBeforeActing(
  handle: ServiceHandle,
  action: ServiceAction,
  scope: Pick<StepScope, 'evidence'>,
  options: CaptureOptions,
): Promise<CaptureOutcome> {
  const name = `logs of ${handle.name} before ${action}`;
  const timeoutMs = options.timeoutMs ?? CAPTURE_DEFAULTS.timeoutMs;
  let text: string;
  let leftOut: number;
  try {
    ({ text, leftOut } = await readLogs(handle, options.sinceMs, timeoutMs, options.signal));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return notKept(scope, name, whyNot(error));
  }
  const maxBytes = options.maxBytes ?? CAPTURE_DEFAULTS.maxBytes;
  try {
    // A cut keeps the end: the newest lines say what the service did just before it was acted on.
    const evidence = await scope.evidence({ name, kind: 'log', content: text, maxBytes, keep: 'end' });
    return { kept: true, evidence, leftOut };
  } catch (error) {
    // The store refused the item: the run cannot hold the logs, but the action must not wait for it.
    return { kept: false, reason: `the run could not keep them: ${whyNot(error)}` };
  }
}

/**
 * Does one action on a service; before a changing one (CHANGING_ACTIONS), keeps its logs with `scope`
 * first (`capture`, or the defaults). The outcome says whether they were kept (`logsBeforeActing`).
 * Knows nothing of who asked: the runbook engine, the CLI and the API call it alike.
 */
export async function performAction(
  handle: ServiceHandle,
  action: ServiceAction,
  request: ActionRequest,
  scope: Pick<StepScope, 'evidence'>,
  capture?: Partial<CaptureOptions>,
): Promise<ActionOutcome & { logsBeforeActing?: CaptureOutcome }> {
  // A refused action is refused before any logs are read: nothing will change.
  handle.refuseUnlessSupported(action);
  let logs: CaptureOutcome | undefined;
  if (isChangingAction(action))
    logs = await captureLogsBeforeActing(handle, action, scope, {
      ...CAPTURE_DEFAULTS,
      ...capture,
      signal: capture?.signal ?? request.signal,
    });
  const outcome = await handle.act(action, request);
  return logs ? { ...outcome, logsBeforeActing: logs } : outcome;
}

/** One line for a step's result and the CLI: kept with its size and hash, or why not. */
export function describeCapture(outcome: CaptureOutcome): string {
  if (!outcome.kept) return `logs not kept: ${outcome.reason}`;
  const e = outcome.evidence;
  const cut = e.truncated ? ' (their end kept: the rest is over the bound)' : '';
  // What the driver itself left out before what it gave (the shell driver reads a log file's end).
  const unread = outcome.leftOut > 0 ? `, after ${outcome.leftOut} older bytes not read` : '';
  return `logs kept as evidence ${e.id}: ${e.size} bytes${cut}${unread}, sha256 ${e.sha256}`;
}

async function readLogs(
  handle: ServiceHandle,
  sinceMs: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ text: string; leftOut: number }> {
  // Refused here, as data: a driver without logs is a reason, not an error that stops the action.
  handle.refuseUnlessSupported('logs');
  // The driver bounds its programs by timeoutMs; the race bounds what it does outside them too (a
  // read of a log file that never ends), so the action waits no longer than the timeout whatever
  // the driver does.
  const controller = new AbortController();
  const stop = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DayshiftError(
        'SERVICE_ACTION_FAILED',
        `reading them took longer than ${timeoutMs}ms`,
        {
          hint: 'the action went ahead without them',
        },
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const reading = handle.act('logs', {
      sinceMs,
      tail: CAPTURE_TAIL_LINES,
      timeoutMs,
      signal: controller.signal,
    });
    // A reader given up on may still fail later; that is no longer anyone's concern.
    reading.catch(() => {});
    const outcome = await Promise.race([reading, late]);
    if (outcome.action !== 'logs') return { text: '', leftOut: 0 };
    return { text: outcome.logs.text, leftOut: outcome.logs.truncated };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

async function notKept(
  scope: Pick<StepScope, 'evidence'>,
  name: string,
  reason: string,
): Promise<CaptureOutcome> {
  try {
    await scope.evidence({
      name: `${name}: not kept`,
      kind: 'output',
      content: `logs not kept: ${reason}\n`,
    });
  } catch {
    // The outcome still says why; the step's result records it.
  }
  return { kept: false, reason };
}

function whyNot(error: unknown): string {
  if (error instanceof DayshiftError)
    return scrubSecrets(error.hint ? `${error.message} (${error.hint})` : error.message);
  return scrubSecrets(error instanceof Error ? error.message : String(error));
}
