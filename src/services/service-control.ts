import type { StackConfig } from '../config/schema.js';
import { driverKinds } from '../drivers/registry.js';
import { agentControl } from '../drivers/shared/agent-client.js';
import { type AgentOptions, agentOf } from '../drivers/shared/agent-options.js';
import type {
  ActionResult,
  DriverDefinition,
  EnvVariable,
  ImageReleases,
  ServiceAction,
  ServiceControl,
  ServiceLogs,
  ServiceStatus,
} from '../drivers/types.js';
import { DayshiftError } from '../errors.js';
import { ownValue } from '../util/own.js';

/** How long each action may take before its programs are stopped: enough for a rebuild, not forever. */
export const ACTION_TIMEOUT_MS: Readonly<Record<ServiceAction, number>> = {
  status: 30_000,
  logs: 30_000,
  env: 30_000,
  start: 120_000,
  stop: 120_000,
  restart: 240_000,
  scale: 300_000,
  rebuild: 1_800_000,
  redeploy: 1_800_000,
};

/** What one action was asked with: the replicas of a scale, the window of logs, an abort. */
export interface ActionRequest {
  replicas?: number;
  sinceMs?: number;
  tail?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What one action gave back, by its kind. */
export type ActionOutcome =
  | { action: 'status'; status: ServiceStatus }
  | { action: 'logs'; logs: ServiceLogs }
  | { action: 'env'; env: EnvVariable[] }
  | { action: Exclude<ServiceAction, 'status' | 'logs' | 'env'>; result: ActionResult };

/**
 * One service of the stack file with its driver: what it supports, and each action run through it. An
 * action the driver does not support with its settings is refused before anything runs, in the
 * driver's words (the service has no driver; the shell driver has no command for it).
 */
export class ServiceHandle {
  readonly name: string;
  readonly driver: string;
  readonly supports: readonly ServiceAction[];
  readonly #definition: DriverDefinition;
  readonly #options: unknown;
  readonly #baseDir: string;
  /** The agent its actions go to, when the driver's options have `agent:` (and this is not the agent). */
  readonly #agent: AgentOptions | undefined;
  #control: ServiceControl | undefined;

  /**
   * `local: true` acts through the driver here even when its options name an agent: the agent itself
   * does, since it is the process those options delegate to.
   */
  constructor(config: StackConfig, baseDir: string, name: string, options: { local?: boolean } = {}) {
    const service = ownValue(config.services, name);
    if (!service) {
      const names = Object.keys(config.services);
      throw new DayshiftError('SERVICE_NOT_FOUND', `no service \`${name}\` in the stack file`, {
        hint: names.length > 0 ? `services: ${names.join(', ')}` : 'the stack file defines no services',
      });
    }
    this.name = name;
    this.driver = service.driver.kind;
    this.#definition = driverKinds[service.driver.kind] as DriverDefinition;
    this.#options = service.driver.options;
    this.#baseDir = baseDir;
    this.#agent = options.local ? undefined : agentOf(this.#options);
    this.supports = this.#definition.supports(this.#options);
  }

  /** Refuses an action the driver cannot do, with what the driver says is missing. */
  refuseUnlessSupported(action: ServiceAction): void {
    if (this.supports.includes(action) && (this.#agent || this.#definition.open)) return;
    const refusal = this.#definition.refusal(this.name, action, this.#options);
    throw new DayshiftError('ACTION_UNSUPPORTED', refusal.message, { hint: refusal.hint });
  }

  async act(action: ServiceAction, request: ActionRequest = {}): Promise<ActionOutcome> {
    this.refuseUnlessSupported(action);
    const control = this.#open();
    const options = { timeoutMs: request.timeoutMs ?? ACTION_TIMEOUT_MS[action], signal: request.signal };
    switch (action) {
      case 'status':
        return { action, status: await control.status(options) };
      case 'logs':
        return {
          action,
          logs: await control.logs({ ...options, sinceMs: request.sinceMs, tail: request.tail }),
        };
      case 'env':
        return { action, env: await control.env(options) };
      case 'scale': {
        if (request.replicas === undefined)
          throw new DayshiftError('BAD_REQUEST', `scale of service \`${this.name}\` needs a replica count`, {
            hint: 'give --replicas n (or "replicas" in the request body)',
          });
        return { action, result: await control.scale({ ...options, replicas: request.replicas }) };
      }
      default:
        return { action, result: await control[action](options) };
    }
  }

  /**
   * How its driver deploys images, when it runs containers: here, or through the agent its options
   * name (each operation then one signed request, which the agent takes when its list has `deploy`).
   */
  images(): ImageReleases | undefined {
    if (!this.#agent && !this.#definition.open) return undefined;
    if (!this.#definition.deploysImages?.(this.#options)) return undefined;
    return this.#open().images;
  }

  /** The service's status, or `unknown` with the reason when its driver cannot tell. */
  async status(signal?: AbortSignal): Promise<ServiceStatus> {
    try {
      this.refuseUnlessSupported('status');
    } catch (error) {
      if (error instanceof DayshiftError) return { state: 'unknown', detail: error.message };
      throw error;
    }
    const outcome = await this.act('status', { signal });
    return outcome.action === 'status' ? outcome.status : { state: 'unknown', detail: '' };
  }

  #open(): ServiceControl {
    if (!this.#control && this.#agent)
      this.#control = agentControl({ service: this.name, baseDir: this.#baseDir }, this.#agent);
    if (!this.#control) {
      const open = this.#definition.open as NonNullable<DriverDefinition['open']>;
      this.#control = open({ service: this.name, baseDir: this.#baseDir }, this.#options);
    }
    return this.#control;
  }
}
