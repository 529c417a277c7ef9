/**
 * The value a record holds under `key` itself, never one it inherits: names that come from a request
 * or the command line (`__proto__`, `constructor`, `toString`) must not find Object.prototype's members
 * in a section of the stack file.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
