/**
 * What a name in a plugin's options must name in the stack file:
 *   service         a key of `services`
 *   check           one check, `service.check`
 *   checks          `service.check`, or a bare service meaning all of its checks
 *   backup, smoke, notifier, runbook   a key of `backups`, `smoke`, `notifiers`, `runbooks`
 */
export type NameTarget = 'service' | 'check' | 'checks' | 'backup' | 'smoke' | 'notifier' | 'runbook';

/**
 * One thing a plugin's options refer to, and `at`, the path inside the options where it is written, so
 * `validate` reports a mistake at that place. A `restore-target` is where a restore writes (`to`), held
 * to the stack file's restore rules for the source of its `backup`.
 */
export type Reference =
  | { to: NameTarget; name: string; at: readonly PropertyKey[] }
  | { to: 'restore-target'; name: string; at: readonly PropertyKey[]; backup: string };

/** A plugin (or a config entry shaped like one) whose options name other parts of the stack file. */
export interface Referring<Options = unknown> {
  /** Every name the options refer to, each with where it is written in them; none when it names nothing. */
  references(options: Options): readonly Reference[];
}
