import type { PluginDefinition } from '../schema/plugin.js';

/**
 * The contract every runbook step kind implements: the key that selects it and its options schema.
 * Its `run` arrives with runbooks.
 */
export type StepKindDefinition = PluginDefinition;
