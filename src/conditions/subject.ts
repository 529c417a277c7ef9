/**
 * What a check produced, as conditions see it. Every field is optional: each check kind fills what it
 * measures (an HTTP check the status, body, headers and latency; a sql check `values.value`).
 */
export interface ConditionSubject {
  status?: number;
  latencyMs?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Cookies an HTTP response set, by name: what smoke steps capture into a session. */
  cookies?: Record<string, string>;
  certExpiresInMs?: number;
  certIssuer?: string;
  exitCode?: number;
  stdout?: string;
  connected?: boolean;
  ip?: string;
  dnsRcode?: string;
  domainExpiresInMs?: number;
  /** What earlier steps of a smoke suite captured, by name: Gatus's `[CONTEXT]` reads it. */
  context?: Record<string, string>;
  /** What a runbook step's `when:` reads: `params` and `steps`, each an object it walks by path. */
  run?: { params: Record<string, unknown>; steps: Record<string, unknown> };
  /** `value` is the number a sql/redis/command/host check yields; named values sit beside it. */
  values?: Record<string, number | string | boolean | null>;
}

/** One condition's verdict, with the actual value, so "why is it red" is always answered. */
export interface ConditionResult {
  expr: string;
  ok: boolean;
  /** The value the condition read (for Gatus conditions, the text Gatus compares). */
  actual: unknown;
  severity: 'fail' | 'warn';
  /** Why the condition could not be evaluated, such as a JSON path missing from the body. */
  reason?: string;
}
