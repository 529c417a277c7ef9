import type { ServiceAction } from '../drivers/types.js';
import type { StepScope } from '../runs/recorder.js';
import type { ActionOutcome, ActionRequest, ServiceHandle } from './service-control.js';

/** Acts on a service for a recorded step. */
export async function performAction(
  handle: ServiceHandle,
  action: ServiceAction,
  request: ActionRequest,
  _scope: Pick<StepScope, 'evidence'>,
): Promise<ActionOutcome> {
  return handle.act(action, request);
}
