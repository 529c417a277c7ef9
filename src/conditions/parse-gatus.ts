import { didYouMean } from '../schema/did-you-mean.js';
import {
  type Comparison,
  ConditionSyntaxError,
  GATUS_PLACEHOLDERS,
  type GatusExpr,
  type GatusPlaceholder,
  type GatusTerm,
} from './ast.js';
import { goNumber } from './gatus-values.js';

// Gatus looks for the operators in this order, each with a space on both sides.
const OPERATORS: Comparison[] = ['==', '!=', '<=', '>=', '>', '<'];

/**
 * True when the text is written in Gatus's syntax: a side that starts with a `[PLACEHOLDER]`, or one
 * of Gatus's functions. (`json.items[0]` and `json.a[x]` are Dayshift paths, not placeholders.)
 */
export function looksLikeGatus(text: string): boolean {
  return /(^|\s|\()\[[A-Za-z_]+\]/.test(text) || /(^|\s)(len|has|pat|any)\(/.test(text);
}

/**
 * Gatus's syntax, read the way Gatus reads it: the first operator found (with spaces around it) splits
 * the text; each side is a placeholder, `len()`/`has()` of one, `pat()`, `any()`, or plain text.
 * Where Gatus would silently compare nonsense (an unknown placeholder, `30d`, text in `<`),
 * this is a load error instead.
 */
export function parseGatus(text: string): GatusExpr {
  const found = OPERATORS.find((op) => text.includes(` ${op} `));
  if (!found) {
    const bare = /==|!=|<=|>=|<|>/.exec(text);
    throw new ConditionSyntaxError(
      bare
        ? 'Gatus conditions need a space on each side of the operator'
        : 'expected an operator: == != < <= > >=',
      bare?.index ?? text.length,
      'for example [STATUS] == 200',
    );
  }
  const at = text.indexOf(` ${found} `);
  const second = text.indexOf(` ${found} `, at + 1);
  if (second >= 0)
    throw new ConditionSyntaxError(`a condition has one operator; this one has ${found} twice`, second + 1);
  const rightAt = at + found.length + 2;
  const left = term(text.slice(0, at), 0);
  const right = term(text.slice(rightAt), rightAt);
  if (found !== '==' && found !== '!=') {
    numeric(left, text.slice(0, at), 0, found);
    numeric(right, text.slice(rightAt), rightAt, found);
  }
  return { type: 'gatus', op: found, left, right };
}

function term(raw: string, offset: number): GatusTerm {
  const at = offset + raw.length - raw.trimStart().length;
  const text = raw.trim();
  if (!text) throw new ConditionSyntaxError('a side of the condition is empty', at);
  balanced(text, at);
  const fn = /^(len|has)\((.*)\)$/s.exec(text);
  if (fn) {
    const inner = placeholder((fn[2] ?? '').trim(), at + (fn[1] as string).length + 1);
    if (!inner)
      throw new ConditionSyntaxError(`${fn[1]}() takes a placeholder, such as ${fn[1]}([BODY].data)`, at);
    return { ...inner, fn: fn[1] as 'len' | 'has' };
  }
  const pat = /^pat\((.*)\)$/s.exec(text);
  if (pat) return { type: 'pattern', glob: pat[1] ?? '' };
  const any = /^any\((.*)\)$/s.exec(text);
  if (any) return { type: 'any', options: (any[1] ?? '').split(',').map((o) => o.trim()) };
  const call = /^([A-Za-z_][A-Za-z0-9_]*)\(/.exec(text);
  if (call)
    throw new ConditionSyntaxError(
      `unknown function ${call[1]}()`,
      at,
      didYouMean(call[1] as string, FUNCTIONS) ??
        `Gatus's functions are ${FUNCTIONS.map((f) => `${f}()`).join(', ')}; to compare text with parentheses, write the condition in Dayshift's syntax: json.name == 'f(x)'`,
    );
  return placeholder(text, at) ?? { type: 'text', text };
}

const FUNCTIONS = ['len', 'has', 'pat', 'any'];

/**
 * Gatus reads `len(` without its `)` as text and compares it, always false; here an unclosed or
 * unopened parenthesis is an error at the parenthesis (at the function's name, for a call).
 */
function balanced(text: string, at: number): void {
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') open.push(i);
    else if (text[i] === ')' && open.pop() === undefined)
      throw new ConditionSyntaxError('a ) without its (', at + i, 'remove it, or add the ( it closes');
  }
  const unclosed = open[0];
  if (unclosed === undefined) return;
  const name = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(0, unclosed))?.[0] ?? '';
  throw new ConditionSyntaxError(
    `${name}( has no closing )`,
    at + unclosed - name.length,
    name
      ? `close it, as in ${name}(${name === 'pat' || name === 'any' ? '...' : '[BODY].items'})`
      : 'close it, or remove it',
  );
}

function placeholder(text: string, at: number): Extract<GatusTerm, { type: 'placeholder' }> | undefined {
  const match = /^\[([A-Za-z_]+)\](.*)$/s.exec(text);
  if (!match) return undefined;
  // Gatus reads placeholder names in any case; paths keep theirs.
  const name = (match[1] as string).toUpperCase();
  if (!(GATUS_PLACEHOLDERS as readonly string[]).includes(name)) {
    const known = GATUS_PLACEHOLDERS.map((p) => `[${p}]`);
    throw new ConditionSyntaxError(
      `unknown placeholder [${match[1]}]`,
      at,
      didYouMean(`[${name}]`, known) ?? `placeholders: ${known.join(', ')}`,
    );
  }
  const suffix = match[2] ?? '';
  if (!suffix) return { type: 'placeholder', name: name as GatusPlaceholder };
  if (name !== 'BODY' || !/^[.[]/.test(suffix))
    throw new ConditionSyntaxError(`only [BODY] takes a path, as in [BODY].status`, at + name.length + 2);
  return { type: 'placeholder', name: 'BODY', path: suffix.replace(/^\./, '') };
}

/** Gatus turns each side of < <= > >= into a number; text that would silently become 0 is refused. */
function numeric(t: GatusTerm, raw: string, offset: number, op: string): void {
  const at = offset + raw.length - raw.trimStart().length;
  if (t.type === 'pattern' || t.type === 'any')
    throw new ConditionSyntaxError(`pat() and any() work only with == and !=, not ${op}`, at);
  if (t.type !== 'text' || goNumber(t.text) !== undefined) return;
  throw new ConditionSyntaxError(
    `"${t.text}" is not a number or a duration, so Gatus would compare it as 0`,
    at,
    /^\d+(\.\d+)?d$/.test(t.text)
      ? 'Gatus durations have no d unit: write hours, e.g. 720h for 30 days'
      : 'write a number (milliseconds for [RESPONSE_TIME]) or a duration such as 48h',
  );
}
