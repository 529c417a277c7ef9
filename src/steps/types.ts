import type { PluginDefinition } from '../schema/plugin.js';
import type { Referring } from '../schema/references.js';

/**
 * The contract every runbook step kind implements: the key that selects it, its options schema, and
 * `references`: the services, checks, backups, smoke suites, notifiers or restore targets its options
 * name, so `validate` refuses a runbook whose step names something the file does not define.
 * Its `run` arrives with runbooks.
 */
export interface StepKindDefinition<Options = unknown> extends PluginDefinition, Referring<Options> {}
