import type { PluginDefinition } from '../schema/plugin.js';

/**
 * The contract every service driver implements: how Dayshift acts on a service (`compose`, `docker`,
 * `systemd`, `shell`, `none`). A driver is a plain object in its own file with its options schema;
 * its actions arrive with service control.
 */
export type DriverDefinition = PluginDefinition;
