import {
  type Comparison,
  ConditionSyntaxError,
  type DayshiftExpr,
  FIELDS,
  type FieldRef,
  type Literal,
  RUN_VARIABLES,
} from './ast.js';
import { type Token, tokenize } from './tokenize.js';

const KEYWORDS: Record<string, boolean | null> = { true: true, false: false, null: null };
const OPERATORS = 'expected an operator: == != < <= > >= in contains matches exists';

/** Parses Dayshift's syntax by recursive descent over the tokens; errors carry the column. */
export function parseDayshift(text: string): DayshiftExpr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const isPunct = (t: Token, p: string) => t.kind === 'punct' && t.text === p;

  const left = field();
  const op = next();
  let expr: DayshiftExpr;
  if (op.kind === 'op') {
    const right = literal();
    if (op.text !== '==' && op.text !== '!=' && typeof right.value !== 'number')
      throw new ConditionSyntaxError(
        `${op.text} compares numbers, durations or percentages`,
        tokens[pos - 1]?.at ?? op.at,
      );
    checkUnits(left, right, tokens[pos - 1]?.at ?? op.at);
    expr = { type: 'compare', op: op.text as Comparison, left, right };
  } else if (op.kind === 'ident' && op.text === 'in') {
    expr = { type: 'in', left, items: list() };
  } else if (op.kind === 'ident' && op.text === 'contains') {
    expr = { type: 'contains', left, right: literal() };
  } else if (op.kind === 'ident' && op.text === 'matches') {
    const re = next();
    if (re.kind !== 'regex')
      throw new ConditionSyntaxError('matches needs a regular expression like /^ok/', re.at);
    expr = { type: 'matches', left, pattern: re.pattern, flags: re.flags };
  } else if (op.kind === 'ident' && op.text === 'exists') {
    expr = { type: 'exists', left };
  } else {
    throw new ConditionSyntaxError(
      op.kind === 'end' ? `the condition ends before its operator; ${OPERATORS}` : OPERATORS,
      op.at,
    );
  }
  const end = peek();
  if (end.kind !== 'end') throw new ConditionSyntaxError('unexpected text after the condition', end.at);
  return expr;

  function field(): FieldRef {
    const start = next();
    if (start.kind !== 'ident' || start.text in KEYWORDS)
      throw new ConditionSyntaxError(
        start.kind === 'end' ? 'the condition is empty' : 'a condition starts with a field, such as status',
        start.at,
        'fields: status, latency, body, json.<path>, header.<name>, cert.expires_in, cert.issuer, value, exit_code, stdout, connected, or a named value',
      );
    const ref: FieldRef = { type: 'field', name: start.text, path: [] };
    for (;;) {
      const t = peek();
      if (isPunct(t, '.')) {
        pos++;
        const seg = next();
        if (seg.kind === 'ident') ref.path.push(seg.text);
        else if (seg.kind === 'number' && seg.unit === undefined && Number.isInteger(seg.value))
          ref.path.push(String(seg.value));
        else throw new ConditionSyntaxError('expected a name after "."', seg.at);
      } else if (isPunct(t, '[')) {
        pos++;
        const index = next();
        if (index.kind === 'number' && index.unit === undefined && Number.isInteger(index.value))
          ref.path.push(index.value);
        else if (index.kind === 'string') ref.path.push(index.value);
        else
          throw new ConditionSyntaxError('expected an index like [0] or a quoted key like ["a b"]', index.at);
        const close = next();
        if (!isPunct(close, ']')) throw new ConditionSyntaxError('expected ]', close.at);
      } else {
        checkField(ref, start.at);
        return ref;
      }
    }
  }

  function literal(): Literal {
    const t = next();
    if (t.kind === 'number')
      return t.unit ? { type: 'literal', value: t.value, unit: t.unit } : { type: 'literal', value: t.value };
    if (t.kind === 'string') return { type: 'literal', value: t.value };
    if (t.kind === 'ident' && t.text in KEYWORDS) return { type: 'literal', value: KEYWORDS[t.text] ?? null };
    if (t.kind === 'ident')
      throw new ConditionSyntaxError(
        `text must be quoted: '${t.text}'`,
        t.at,
        "the right side is a value: a number, a duration, a percentage, 'quoted text', true, false or null",
      );
    throw new ConditionSyntaxError(
      t.kind === 'end' ? 'the condition ends where a value was expected' : 'expected a value',
      t.at,
    );
  }

  function list(): Literal[] {
    const open = next();
    if (!isPunct(open, '[')) throw new ConditionSyntaxError('in needs a list like [200, 302]', open.at);
    const items: Literal[] = [];
    for (;;) {
      items.push(literal());
      const sep = next();
      if (isPunct(sep, ']')) return items;
      if (!isPunct(sep, ',')) throw new ConditionSyntaxError('expected , or ] in the list', sep.at);
    }
  }
}

/** Built-in fields take the path they can use; any other name is a named value and takes none. */
function checkField(ref: FieldRef, at: number): void {
  const depth = ref.path.length;
  const known = (FIELDS as readonly string[]).includes(ref.name);
  if ((RUN_VARIABLES as readonly string[]).includes(ref.name)) {
    if (depth === 0)
      throw new ConditionSyntaxError(
        `${ref.name} needs a name: ${ref.name === 'params' ? 'params.replicas' : 'steps.restart.outcome'}`,
        at,
      );
    return;
  }
  if (ref.name === 'header' && depth !== 1)
    throw new ConditionSyntaxError('header needs a name: header.content-type', at);
  if (ref.name === 'cert' && (depth !== 1 || !['expires_in', 'issuer'].includes(String(ref.path[0]))))
    throw new ConditionSyntaxError('cert has cert.expires_in and cert.issuer', at);
  if (ref.name !== 'json' && ref.name !== 'header' && ref.name !== 'cert' && depth > 0)
    throw new ConditionSyntaxError(
      known ? `${ref.name} has no fields` : `the named value ${ref.name} has no fields`,
      at,
      'json.<path> reads into a JSON body; header.<name> reads a header',
    );
}

/** Catches comparisons that can never mean anything, such as `latency < 80%`. */
function checkUnits(left: FieldRef, right: Literal, at: number): void {
  const timed = left.name === 'latency' || (left.name === 'cert' && left.path[0] === 'expires_in');
  if (timed && right.unit === '%')
    throw new ConditionSyntaxError(`${left.name} is a duration; compare it with one like 1s`, at);
  if (left.name === 'status' && right.unit !== undefined)
    throw new ConditionSyntaxError('status is an HTTP status code such as 200', at);
}
