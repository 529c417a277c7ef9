/**
 * Conditions are parsed when the config loads, from either syntax, into this tree.
 *
 * Dayshift syntax: `<field> <op> <literal>`, `<field> in [..]`, `<field> contains <literal>`,
 * `<field> matches /re/`, `<field> exists`. Fields read a check's result (`status`, `json.items[0].id`,
 * `header.content-type`, `connections_pct`); literals are typed (numbers, durations in ms, percentages,
 * quoted strings, booleans).
 *
 * Gatus syntax: `[STATUS] == 200`, `[BODY].status == UP`, `len([BODY].data) == 3`. Gatus compares
 * text, so its tree keeps each side as Gatus sees it and evaluate-gatus.ts applies Gatus's rules.
 */
import { DayshiftError } from '../errors.js';

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type PathSegment = string | number;

/** Built-in fields; any other identifier is a named value a check reports (`connections_pct`). */
export const FIELDS = [
  'status',
  'latency',
  'body',
  'json',
  'header',
  'cert',
  'value',
  'exit_code',
  'stdout',
  'connected',
] as const;

/**
 * What a runbook step's `when:` reads, beside nothing else: `params.<name>` (the run's parameters) and
 * `steps.<name>.<field>` (an earlier step's outcome and result). They take a path, like `json`.
 */
export const RUN_VARIABLES = ['params', 'steps'] as const;

/** A value read from a check's result: `json.items[0].id` is name `json`, path `['items', 0, 'id']`. */
export interface FieldRef {
  type: 'field';
  name: string;
  path: PathSegment[];
}

export interface Literal {
  type: 'literal';
  value: string | number | boolean | null;
  /** Durations are milliseconds (`1s` → 1000); percentages are the number before `%`. */
  unit?: 'ms' | '%';
}

export type DayshiftExpr =
  | { type: 'compare'; op: Comparison; left: FieldRef; right: Literal }
  | { type: 'in'; left: FieldRef; items: Literal[] }
  | { type: 'contains'; left: FieldRef; right: Literal }
  | { type: 'matches'; left: FieldRef; pattern: string; flags: string }
  | { type: 'exists'; left: FieldRef };

export const GATUS_PLACEHOLDERS = [
  'STATUS',
  'BODY',
  'RESPONSE_TIME',
  'CONNECTED',
  'CERTIFICATE_EXPIRATION',
  'DOMAIN_EXPIRATION',
  'IP',
  'DNS_RCODE',
] as const;
export type GatusPlaceholder = (typeof GATUS_PLACEHOLDERS)[number];

/** One side of a Gatus condition. */
export type GatusTerm =
  /** `[BODY].data[0].id`, optionally inside `len(...)` or `has(...)`. `path` is Gatus's JSON path text. */
  | { type: 'placeholder'; name: GatusPlaceholder; path?: string; fn?: 'len' | 'has' }
  /**
   * `[CONTEXT].user_id`: a value an earlier step of a smoke suite captured (Gatus's suite context),
   * optionally inside `len(...)` or `has(...)`.
   */
  | { type: 'context'; name: string; fn?: 'len' | 'has' }
  /** `pat(*ok*)`: a glob with `*`, `?` and `[...]`, as Go's path/filepath.Match reads it. */
  | { type: 'pattern'; glob: string }
  /** `any(200, 201)`: equal to one of these texts. */
  | { type: 'any'; options: string[] }
  /** Anything else is text, as in Gatus: `UP`, `200`, `48h`, and `[OK]`, which names no placeholder. */
  | { type: 'text'; text: string };

export interface GatusExpr {
  type: 'gatus';
  op: Comparison;
  left: GatusTerm;
  right: GatusTerm;
}

export type ConditionExpr = DayshiftExpr | GatusExpr;

export interface ParsedCondition {
  /** The condition as written, shown in results and errors. */
  source: string;
  /** `warn:` conditions make a check degraded rather than unhealthy. */
  severity: 'fail' | 'warn';
  expr: ConditionExpr;
}

/**
 * A parse failure with the 0-based column inside the condition text. Conditions come from the stack
 * file, whose loader turns this into an issue at the condition's line and column.
 */
export class ConditionSyntaxError extends DayshiftError {
  readonly column: number;
  constructor(message: string, column: number, hint?: string, cause?: unknown) {
    super('CONFIG_INVALID', message, { hint, cause });
    this.name = 'ConditionSyntaxError';
    this.column = column;
  }
}
