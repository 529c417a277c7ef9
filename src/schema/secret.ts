import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/** Every secret value ever wrapped, so the logger can scrub them from any line that slips through. */
const knownSecretValues = new Set<string>();

/**
 * A value that must never be printed: passwords, tokens, webhook URLs, anything marked `secret: true`.
 * String conversion, JSON and util.inspect all give `[redacted]`; only `reveal()` gives the value,
 * and it is called where the value is handed to the system that needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    if (scrubbable(value)) knownSecretValues.add(value);
  }

  reveal(): string {
    return this.#value;
  }

  /** True when the wrapped value is empty, without revealing it. */
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Very short values would scrub ordinary words from log lines; they are still never printed directly. */
function scrubbable(value: string): boolean {
  return value.length >= 4;
}

/**
 * Replaces every known secret value in `text` with `[redacted]`, and each of `also`: values the caller
 * knows are secret without a `Secret` around them (a password it put in a program's environment).
 */
export function scrubSecrets(text: string, also: Iterable<string> = []): string {
  let out = text;
  for (const values of [knownSecretValues, also])
    for (const value of values) {
      if (scrubbable(value) && out.includes(value)) out = out.split(value).join(REDACTED);
    }
  return out;
}

/** Shows a connection URL with its password hidden: `postgres://app:***@db/app`. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, '***');
    }
    return url.toString();
  } catch {
    return REDACTED;
  }
}
