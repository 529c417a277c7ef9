import type { AgentImageOp } from '../drivers/shared/agent-client.js';
import { SERVICE_ACTIONS, type ServiceAction } from '../drivers/types.js';

/**
 * What an agent's `--allow` may list: the service actions, and `deploy`, which covers the five image
 * operations (`images/running`, `pull`, `side-by-side`, `apply`, `prune`).
 */
export const AGENT_GRANTS = [...SERVICE_ACTIONS, 'deploy'] as const;
export type AgentGrant = (typeof AGENT_GRANTS)[number];

/**
 * What an agent takes when `--allow` is not given: every service action, not `deploy`. Deploying
 * chooses the code a service runs (any image the Engine can pull, with the service's mounts and
 * rights), a larger grant than restarting what is there, so an agent started before deploys went
 * through it does not take them until it is told to.
 */
export const DEFAULT_GRANTS: readonly AgentGrant[] = SERVICE_ACTIONS;

/**
 * Whether `allow` lets the agent take image operation `op`: `deploy` permits all five; `status`
 * alone permits `running`, which only reads the digest the containers run (what drift detection asks),
 * as `status` reads their state.
 */
export function permitsImageOp(allow: readonly AgentGrant[], op: AgentImageOp): boolean {
  return allow.includes('deploy') || (op === 'running' && allow.includes('status'));
}

/** Whether `allow` lets the agent take service action `action`. */
export function permitsAction(allow: readonly AgentGrant[], action: ServiceAction): boolean {
  return allow.includes(action);
}
