import type { ConditionExpr, GatusPlaceholder, GatusTerm } from './ast.js';

/**
 * The result fields a condition can read besides named values. Every run has `latency`; `json` reads the
 * body. A check kind declares which of the others its results carry (checks/types.ts `produces`).
 */
export type ResultField =
  | 'status'
  | 'body'
  | 'header'
  | 'cert'
  | 'exit_code'
  | 'stdout'
  | 'connected'
  | 'ip'
  | 'dns_rcode'
  | 'domain_expiration';

/**
 * What one condition reads: a result field, a named value (`value`, `restart_count`), or a value an
 * earlier smoke step captured (Gatus's `[CONTEXT].name`).
 */
export type ConditionRead =
  | { type: 'field'; field: ResultField | 'latency'; as: string }
  | { type: 'value'; name: string }
  | { type: 'context'; name: string }
  /** A runbook step's `when:` reading the run: `params.replicas`, `steps.restart.outcome`. */
  | { type: 'run'; scope: 'params' | 'steps'; name: string };

const BUILT_IN: Readonly<Record<string, ResultField | 'latency'>> = {
  status: 'status',
  latency: 'latency',
  body: 'body',
  json: 'body',
  header: 'header',
  cert: 'cert',
  exit_code: 'exit_code',
  stdout: 'stdout',
  connected: 'connected',
};

const PLACEHOLDER_FIELD: Readonly<Record<GatusPlaceholder, ResultField | 'latency'>> = {
  STATUS: 'status',
  BODY: 'body',
  RESPONSE_TIME: 'latency',
  CONNECTED: 'connected',
  CERTIFICATE_EXPIRATION: 'cert',
  DOMAIN_EXPIRATION: 'domain_expiration',
  IP: 'ip',
  DNS_RCODE: 'dns_rcode',
};

/** The fields and named values a parsed condition reads, in the order written. */
export function readsOf(expr: ConditionExpr): ConditionRead[] {
  if (expr.type !== 'gatus') {
    const name = expr.left.name;
    if (name === 'params' || name === 'steps')
      return [{ type: 'run', scope: name, name: String(expr.left.path[0]) }];
    const field = BUILT_IN[name];
    return [field ? { type: 'field', field, as: name } : { type: 'value', name }];
  }
  const out: ConditionRead[] = [];
  const side = (term: GatusTerm) => {
    if (term.type === 'placeholder')
      out.push({ type: 'field', field: PLACEHOLDER_FIELD[term.name], as: `[${term.name}]` });
    if (term.type === 'context') out.push({ type: 'context', name: term.name });
  };
  side(expr.left);
  side(expr.right);
  return out;
}
