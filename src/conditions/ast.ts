/**
 * Conditions are parsed when the config loads into this tree, from either syntax:
 * Dayshift's (`status == 200`, `json.status == 'ok'`, `latency < 1s`) or Gatus's
 * (`[STATUS] == 200`, `[BODY].status == UP`, `[RESPONSE_TIME] < 300`), which keeps Gatus's meaning.
 */
export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A value read from a check's result: `json.items[0].id` is root `json`, path `['items', 0, 'id']`. */
export interface FieldRef {
  type: 'field';
  root: string;
  path: Array<string | number>;
}

export interface Literal {
  type: 'literal';
  value: string | number | boolean | null;
  /** Durations are milliseconds; percentages are the number before `%`. */
  unit?: 'ms' | '%';
}

/** Gatus's functions: `len(x)`, `has(x)`, `pat(glob)`, `any(a, b, ...)`. */
export interface Call {
  type: 'call';
  fn: 'len' | 'has' | 'pat' | 'any';
  args: Operand[];
}

export type Operand = FieldRef | Literal | Call;

export type ConditionNode =
  | { type: 'compare'; op: Comparison; left: Operand; right: Operand }
  | { type: 'in'; left: Operand; items: Literal[] }
  | { type: 'contains'; left: Operand; right: Operand }
  | { type: 'matches'; left: Operand; pattern: string; flags: string }
  | { type: 'exists'; left: Operand };

export interface ParsedCondition {
  source: string;
  syntax: 'dayshift' | 'gatus';
  node: ConditionNode;
  /** `warn:` conditions make a check degraded rather than unhealthy. */
  severity: 'fail' | 'warn';
}

/** A parse failure with the 0-based column inside the condition text. */
export class ConditionSyntaxError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.name = 'ConditionSyntaxError';
    this.column = column;
  }
}
