import type { ServiceAction } from '../drivers/types.js';
import { DayshiftError } from '../errors.js';
import { RunRecorder } from '../runs/recorder.js';
import type { Runs } from '../runs/runs.js';
import type { Clock } from '../util/clock.js';
import { type CaptureOptions, type CaptureOutcome, describeCapture, performAction } from './acting.js';
import type { ActionOutcome, ActionRequest, ServiceHandle } from './service-control.js';

/** The run kind of an action someone asked of a service (`dayshift svc`, the services API). */
export const SERVICE_RUN_KIND = 'service';

/** The actions that change a service, each recorded as a run; reading one (status, logs, env) is not. */
export const RECORDED_ACTIONS = ['restart', 'stop', 'start', 'rebuild', 'redeploy', 'scale'] as const;

/** What a step keeps of an action's output: its end, which says how it ended. */
const OUTPUT_BYTES = 64 * 1024;

export type PerformedOutcome = ActionOutcome & { logsBeforeActing?: CaptureOutcome };

export interface RecordedAction {
  runId: number;
  outcome: PerformedOutcome;
}

export function isRecordedAction(action: string): action is (typeof RECORDED_ACTIONS)[number] {
  return (RECORDED_ACTIONS as readonly string[]).includes(action);
}

/**
 * Does one action on a service as a run of its own: kind `service`, named after the service, one step
 * named after the action whose result is what the driver did (and whether the logs were kept before
 * it), with those logs as the step's evidence. The run succeeds or fails with the action, whose error
 * goes on to the caller. A refused action (the driver lacks it, a scale without replicas) opens no
 * run: nothing was done. `opened` hears the run's id before the action starts, so whoever records the
 * action (the audit log) can name the run even when the action fails.
 */
export async function recordServiceAction(
  env: { runs: Runs; clock: Clock },
  handle: ServiceHandle,
  action: ServiceAction,
  request: ActionRequest,
  options: { trigger: string; capture?: Partial<CaptureOptions>; opened?: (runId: number) => void },
): Promise<RecordedAction> {
  handle.refuseUnlessSupported(action);
  if (action === 'scale' && request.replicas === undefined)
    throw new DayshiftError('BAD_REQUEST', `scale of service \`${handle.name}\` needs a replica count`, {
      hint: 'give --replicas n (or "replicas" in the request body)',
    });
  const recorder = await RunRecorder.start(
    env.runs,
    env.clock,
    SERVICE_RUN_KIND,
    handle.name,
    options.trigger,
  );
  options.opened?.(recorder.runId);
  try {
    const outcome = await recorder.step(
      action,
      action,
      (scope) => performAction(handle, action, request, scope, options.capture),
      stepResult,
    );
    await recorder.finish('succeeded', summaryOf(outcome));
    return { runId: recorder.runId, outcome };
  } catch (error) {
    await recorder.fail(error);
    throw error;
  }
}

/** The step's result: the driver's detail and the end of its output, and what became of the logs. */
function stepResult(outcome: PerformedOutcome): unknown {
  const logs = outcome.logsBeforeActing ? { logs: describeCapture(outcome.logsBeforeActing) } : {};
  if (!('result' in outcome)) return { action: outcome.action, ...logs };
  const output = Buffer.from(outcome.result.output, 'utf8');
  const kept =
    output.length <= OUTPUT_BYTES
      ? { output: outcome.result.output }
      : {
          output: output.subarray(output.length - OUTPUT_BYTES).toString('utf8'),
          outputLeftOut: output.length - OUTPUT_BYTES,
        };
  return { detail: outcome.result.detail, ...kept, ...logs };
}

function summaryOf(outcome: PerformedOutcome): unknown {
  return {
    action: outcome.action,
    ...('result' in outcome ? { detail: outcome.result.detail } : {}),
    ...(outcome.logsBeforeActing ? { logs: describeCapture(outcome.logsBeforeActing) } : {}),
  };
}
