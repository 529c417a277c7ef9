import { DayshiftError } from '../errors.js';

/** What a signed request may ask besides its action: numbers, each bounded. */
export interface AgentActionRequest {
  timeoutMs?: number;
  replicas?: number;
  sinceMs?: number;
  tail?: number;
}

const BOUNDS: Record<keyof AgentActionRequest, [number, number]> = {
  timeoutMs: [1, 1_800_000],
  replicas: [0, 10_000],
  sinceMs: [1, 3650 * 86_400_000],
  tail: [1, 10_000],
};

/** The body of an action request, `{}` when empty; anything else (another key, a string, a bound passed) is refused. */
export function actionRequestOf(body: Buffer): AgentActionRequest {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DayshiftError('BAD_REQUEST', 'the request body is not JSON', { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DayshiftError('BAD_REQUEST', 'the request body must be a JSON object');
  const out: AgentActionRequest = {};
  for (const [key, value] of Object.entries(parsed)) {
    const bounds = Object.hasOwn(BOUNDS, key) ? BOUNDS[key as keyof AgentActionRequest] : undefined;
    if (!bounds)
      throw new DayshiftError(
        'BAD_REQUEST',
        `the request body has \`${key.slice(0, 50)}\`, which the agent does not take`,
        {
          hint: `it takes: ${Object.keys(BOUNDS).join(', ')}`,
        },
      );
    if (value === null || value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < bounds[0] || (value as number) > bounds[1])
      throw new DayshiftError(
        'BAD_REQUEST',
        `${key} must be a whole number from ${bounds[0]} to ${bounds[1]}`,
      );
    out[key as keyof AgentActionRequest] = value as number;
  }
  return out;
}
