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
import { compileGlob } from './go-glob.js';

// Gatus looks for the operators in this order, each with a space on both sides.
const OPERATORS: Comparison[] = ['==', '!=', '<=', '>=', '>', '<'];

/**
 * True when the text is written in Gatus's syntax: a side that starts with a `[PLACEHOLDER]`, or one
 * of Gatus's functions. (`json.items[0]` and `json.a[x]` are Dayshift paths, not placeholders.) A
 * Dayshift condition starts with a field name, and what it quotes is text: `json.msg == 'see [DOCS]'`
 * is Dayshift's, so for such a condition the quoted parts are not looked at.
 */
export function looksLikeGatus(text: string): boolean {
  const trimmed = text.trimStart();
  const seen = /^[A-Za-z_]/.test(trimmed) && !GATUS_FUNCTION.test(trimmed) ? unquoted(trimmed) : trimmed;
  return /(^|\s|\()\[[A-Za-z_]+\]/.test(seen) || /(^|\s)(len|has|pat|any)\(/.test(seen);
}

const GATUS_FUNCTION = /^(len|has|pat|any)\(/;

/** The text with each '...' or "..." blanked out (to its end when a quote is not closed). */
function unquoted(text: string): string {
  return text.replace(/'(?:\\.|[^'\\])*(?:'|$)|"(?:\\.|[^"\\])*(?:"|$)/g, "''");
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
    throw new ConditionSyntaxError(
      `a condition has one operator; this one has ${found} twice`,
      second + 1,
      'write one condition per expect: item',
    );
  const rightAt = at + found.length + 2;
  const left = term(text.slice(0, at), 0);
  const right = term(text.slice(rightAt), rightAt);
  if (!reads(left) && !reads(right)) throw readsNothing(text, left, right);
  if (found !== '==' && found !== '!=') {
    numeric(left, text.slice(0, at), 0, found);
    numeric(right, text.slice(rightAt), rightAt, found);
  }
  return { type: 'gatus', op: found, left, right };
}

function term(raw: string, offset: number): GatusTerm {
  const at = offset + raw.length - raw.trimStart().length;
  const text = raw.trim();
  if (!text)
    throw new ConditionSyntaxError('a side of the condition is empty', at, 'for example [STATUS] == 200');
  balanced(text, at);
  const fn = /^(len|has)\((.*)\)$/s.exec(text);
  if (fn) {
    const innerText = (fn[2] ?? '').trim();
    const inner = placeholder(innerText, at + (fn[1] as string).length + 1);
    if (!inner)
      throw new ConditionSyntaxError(
        `${fn[1]}() takes a placeholder, such as ${fn[1]}([BODY].data)`,
        at,
        likelyPlaceholder(innerText) ??
          `Gatus gives ${fn[1] === 'len' ? 'len() of anything else "(INVALID)"' : 'has() of anything else false'}, so such a condition could never mean anything`,
      );
    return { ...inner, fn: fn[1] as 'len' | 'has' };
  }
  const pat = /^pat\((.*)\)$/s.exec(text);
  if (pat) return pattern(pat[1] ?? '', at + 4);
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

/**
 * `[STATUS]`, `[BODY].data[0]`, `[CONTEXT].name`; undefined for text in brackets that names no
 * placeholder, which Gatus compares as text (`[BODY].msg == [OK]`).
 */
function placeholder(
  text: string,
  at: number,
): Extract<GatusTerm, { type: 'placeholder' | 'context' }> | undefined {
  const match = /^\[([A-Za-z_]+)\](.*)$/s.exec(text);
  if (!match) return undefined;
  // Gatus reads placeholder names in any case; paths keep theirs.
  const name = (match[1] as string).toUpperCase();
  const suffix = match[2] ?? '';
  if (name === 'CONTEXT') return context(suffix, at);
  if (!(GATUS_PLACEHOLDERS as readonly string[]).includes(name)) return undefined;
  if (!suffix) return { type: 'placeholder', name: name as GatusPlaceholder };
  if (name !== 'BODY' || !/^[.[]/.test(suffix))
    throw new ConditionSyntaxError(
      `only [BODY] takes a path, as in [BODY].status`,
      at + name.length + 2,
      `Gatus would compare "${text}" as text, never as the ${name.toLowerCase()} it measured`,
    );
  return { type: 'placeholder', name: 'BODY', path: suffix.replace(/^\./, '') };
}

const CONTEXT_HINT =
  'in a smoke suite, capture the value in an earlier step (capture: { user_id: { json: id } }) and read it as [CONTEXT].user_id';

/** `[CONTEXT].name`: the name of a value an earlier smoke step captured. */
function context(suffix: string, at: number): Extract<GatusTerm, { type: 'context' }> {
  const name = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(suffix)?.[1];
  if (!name)
    throw new ConditionSyntaxError(
      suffix
        ? `[CONTEXT]${suffix} is not a captured value's name; Dayshift's captures are single values`
        : '[CONTEXT] needs the name of a captured value, as in [CONTEXT].user_id',
      at,
      CONTEXT_HINT,
    );
  return { type: 'context', name };
}

/** `pat(...)` whose glob Go can read; a malformed one would never match, so it is refused here. */
function pattern(glob: string, at: number): GatusTerm {
  const compiled = compileGlob(glob);
  if ('problem' in compiled) {
    const { message, at: index, hint } = compiled.problem;
    throw new ConditionSyntaxError(
      `pat(${glob}): ${message}, so Go cannot read this pattern and it would never match`,
      at + columnInGlob(glob, index),
      hint,
    );
  }
  return { type: 'pattern', glob };
}

/** The column in the written glob of a character counted after its `/` were removed. */
function columnInGlob(glob: string, index: number): number {
  let seen = 0;
  let column = 0;
  for (const ch of glob) {
    if (ch !== '/') {
      if (seen === index) return column;
      seen++;
    }
    column += ch.length;
  }
  return column;
}

/** A bracketed word that is one typo away from a placeholder: `did you mean [STATUS]?`. */
function likelyPlaceholder(text: string): string | undefined {
  const word = /^\[([A-Za-z_]+)\]/.exec(text)?.[1];
  if (!word) return undefined;
  const known = [...GATUS_PLACEHOLDERS, 'CONTEXT'].map((p) => `[${p}]`);
  return didYouMean(`[${word.toUpperCase()}]`, known);
}

const reads = (t: GatusTerm) => t.type === 'placeholder' || t.type === 'context';

/**
 * Neither side reads the result: Gatus would compare two constants and give the same verdict every
 * time. Usually a placeholder is misspelt, which Gatus would read as text.
 */
function readsNothing(text: string, left: GatusTerm, right: GatusTerm): ConditionSyntaxError {
  const sides = [left, right].filter((t): t is Extract<GatusTerm, { type: 'text' }> => t.type === 'text');
  const guess = sides.map((t) => likelyPlaceholder(t.text)).find(Boolean);
  const bracketed = sides.find((t) => /^\[[A-Za-z_]+\]/.test(t.text));
  return new ConditionSyntaxError(
    bracketed
      ? `unknown placeholder ${bracketed.text.replace(/^(\[[A-Za-z_]+\]).*$/s, '$1')}: Gatus would compare it as text, so neither side of this condition reads the result`
      : 'neither side of this condition reads the result, so it would always give the same verdict',
    Math.max(0, bracketed ? text.indexOf(bracketed.text) : 0),
    guess ?? `placeholders: ${GATUS_PLACEHOLDERS.map((p) => `[${p}]`).join(', ')}`,
  );
}

/** Gatus turns each side of < <= > >= into a number; text that would silently become 0 is refused. */
function numeric(t: GatusTerm, raw: string, offset: number, op: string): void {
  const at = offset + raw.length - raw.trimStart().length;
  if (t.type === 'pattern' || t.type === 'any')
    throw new ConditionSyntaxError(
      `pat() and any() work only with == and !=, not ${op}`,
      at,
      'compare numbers with < <= > >=, for example [STATUS] < 300',
    );
  if (t.type !== 'text' || goNumber(t.text) !== undefined) return;
  throw new ConditionSyntaxError(
    `"${t.text}" is not a number or a duration, so Gatus would compare it as 0`,
    at,
    /^\d+(\.\d+)?d$/.test(t.text)
      ? 'Gatus durations have no d unit: write hours, e.g. 720h for 30 days'
      : 'write a number (milliseconds for [RESPONSE_TIME]) or a duration such as 48h',
  );
}
