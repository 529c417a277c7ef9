import type { PluginDefinition } from '../schema/plugin.js';
import type { Referring } from '../schema/references.js';

/**
 * The contract every runbook step kind implements: the key that selects it, its options schema, and
 * `references`: the services, checks, backups, smoke suites, notifiers or restore targets its options
 * name, so `validate` refuses a runbook whose step names something the file does not define.
 * Its `run` arrives with runbooks.
 */
export interface StepKindDefinition<Options = unknown> extends PluginDefinition, Referring<Options> {
  /**
   * The driver actions its options ask of services (`restart`, `scale`, ...), each with where the
   * service is named in them; `validate` refuses one the service's driver does not support. None when
   * it asks for nothing.
   */
  actions?(options: Options): readonly ActionUse[];
}

/** A driver action a step asks of a service (a name from `SERVICE_ACTIONS`), and where the service is written. */
export interface ActionUse {
  service: string;
  action: string;
  at: readonly PropertyKey[];
}
