import { Secret } from './secret.js';

/** Freezes a validated config all the way down, so code inside can trust it never changes. Secrets stay as they are. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof Secret || Object.isFrozen(value))
    return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}
