import {
  type Comparison,
  type ConditionNode,
  ConditionSyntaxError,
  type FieldRef,
  type Literal,
  type Operand,
} from './ast.js';
import { type Token, tokenize } from './tokenize.js';

const KEYWORD_LITERALS: Record<string, boolean | null> = { true: true, false: false, null: null };

/**
 * Dayshift's syntax: `<left> <op> <right>`, `<left> in [a, b]`, `<left> contains <x>`,
 * `<left> matches /re/`, `<left> exists`. Left sides are fields (`status`, `json.items[0].id`,
 * `header.content-type`, `connections_pct`, ...); right sides are literals.
 */
export function parseDayshift(text: string): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;

  const left = operand();
  const op = next();
  let node: ConditionNode;
  if (op.kind === 'op') {
    node = { type: 'compare', op: op.text as Comparison, left, right: operand() };
  } else if (op.kind === 'ident' && op.text === 'in') {
    node = { type: 'in', left, items: list() };
  } else if (op.kind === 'ident' && op.text === 'contains') {
    node = { type: 'contains', left, right: operand() };
  } else if (op.kind === 'ident' && op.text === 'matches') {
    const re = next();
    if (re.kind !== 'regex')
      throw new ConditionSyntaxError('matches needs a regular expression like /^ok/', re.at);
    node = { type: 'matches', left, pattern: re.pattern, flags: re.flags };
  } else if (op.kind === 'ident' && op.text === 'exists') {
    node = { type: 'exists', left };
  } else {
    throw new ConditionSyntaxError(
      op.kind === 'end'
        ? 'the condition ends before its operator; write for example `status == 200`'
        : 'expected an operator: == != < <= > >= in contains matches exists',
      op.at,
    );
  }
  const end = peek();
  if (end.kind !== 'end') throw new ConditionSyntaxError('unexpected text after the condition', end.at);
  return node;

  function operand(): Operand {
    const token = next();
    if (token.kind === 'number') return literalOf(token);
    if (token.kind === 'string') return { type: 'literal', value: token.value };
    if (token.kind === 'ident') {
      if (token.text in KEYWORD_LITERALS)
        return { type: 'literal', value: KEYWORD_LITERALS[token.text] ?? null };
      return field(token.text);
    }
    throw new ConditionSyntaxError(
      token.kind === 'end' ? 'the condition ends where a value was expected' : 'expected a field or a value',
      token.at,
    );
  }

  function field(root: string): FieldRef {
    const ref: FieldRef = { type: 'field', root, path: [] };
    for (;;) {
      const t = peek();
      if (t.kind === 'punct' && t.text === '.') {
        pos++;
        const seg = next();
        if (seg.kind === 'ident') ref.path.push(seg.text);
        else if (seg.kind === 'string') ref.path.push(seg.value);
        else if (seg.kind === 'number' && seg.unit === undefined) ref.path.push(String(seg.value));
        else throw new ConditionSyntaxError('expected a name after "."', seg.at);
      } else if (t.kind === 'punct' && t.text === '[') {
        pos++;
        const index = next();
        if (index.kind === 'number' && index.unit === undefined && Number.isInteger(index.value))
          ref.path.push(index.value);
        else if (index.kind === 'string') ref.path.push(index.value);
        else throw new ConditionSyntaxError('expected an index like [0]', index.at);
        const close = next();
        if (close.kind !== 'punct' || close.text !== ']')
          throw new ConditionSyntaxError('expected ]', close.at);
      } else {
        return ref;
      }
    }
  }

  function list(): Literal[] {
    const open = next();
    if (open.kind !== 'punct' || open.text !== '[')
      throw new ConditionSyntaxError('in needs a list like [200, 302]', open.at);
    const items: Literal[] = [];
    for (;;) {
      const t = next();
      if (t.kind === 'number') items.push(literalOf(t));
      else if (t.kind === 'string') items.push({ type: 'literal', value: t.value });
      else if (t.kind === 'ident' && t.text in KEYWORD_LITERALS)
        items.push({ type: 'literal', value: KEYWORD_LITERALS[t.text] ?? null });
      else throw new ConditionSyntaxError('expected a value in the list', t.at);
      const sep = next();
      if (sep.kind === 'punct' && sep.text === ']') return items;
      if (sep.kind !== 'punct' || sep.text !== ',')
        throw new ConditionSyntaxError('expected , or ] in the list', sep.at);
    }
  }
}

function literalOf(token: Extract<Token, { kind: 'number' }>): Literal {
  return token.unit
    ? { type: 'literal', value: token.value, unit: token.unit }
    : { type: 'literal', value: token.value };
}
