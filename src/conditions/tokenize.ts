import { parseDuration } from '../schema/duration.js';
import { ConditionSyntaxError } from './ast.js';

/** Tokens of Dayshift's condition syntax; `at` is the 0-based column in the condition text. */
export type Token =
  | { kind: 'ident'; text: string; at: number }
  | { kind: 'number'; value: number; unit?: 'ms' | '%'; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'regex'; pattern: string; flags: string; at: number }
  | { kind: 'op'; text: '==' | '!=' | '<' | '<=' | '>' | '>='; at: number }
  | { kind: 'punct'; text: '[' | ']' | ',' | '.'; at: number }
  | { kind: 'end'; at: number };

const NUMBER = /-?\d+(?:\.\d+)?/y;
// A unit right after a number: a (compound) duration such as 1h30m, or a percent sign.
export const UNIT = /(?:ms|s|m|h|d|w)(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))*|%/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const OPERATOR = /==|!=|<=|>=|<|>/y;

/** The match of a sticky regular expression exactly at `at`, if any. */
export function sticky(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** Splits a Dayshift condition into tokens; a `/.../flags` right after `matches` is one regex token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const prev = tokens.at(-1);
    if (ch === '/' && prev?.kind === 'ident' && prev.text === 'matches') {
      const token = regexAt(text, i);
      tokens.push(token.token);
      i = token.end;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const token = stringAt(text, i);
      tokens.push(token.token);
      i = token.end;
      continue;
    }
    // `-` starts a number only where a value may stand (after an operator, `[` or `,`).
    const number = sticky(NUMBER, text, i);
    if (number && (ch !== '-' || prev?.kind === 'op' || (prev?.kind === 'punct' && prev.text !== ']'))) {
      const unit = sticky(UNIT, text, i + number.length) ?? '';
      const end = i + number.length + unit.length;
      if (/[A-Za-z0-9_%]/.test(text[end] ?? '')) {
        const word = /^[^\s,\]]+/.exec(text.slice(i))?.[0] ?? number;
        throw new ConditionSyntaxError(
          `"${word}" is not a number, duration or percentage`,
          i,
          'durations are written 250ms, 10s, 5m, 2h, 14d or 1h30m; percentages 80%',
        );
      }
      if (unit === '%') tokens.push({ kind: 'number', value: Number(number), unit: '%', at: i });
      else if (unit) {
        const ms = parseDuration(text.slice(i + (number.startsWith('-') ? 1 : 0), end)) ?? Number.NaN;
        tokens.push({ kind: 'number', value: number.startsWith('-') ? -ms : ms, unit: 'ms', at: i });
      } else tokens.push({ kind: 'number', value: Number(number), at: i });
      i = end;
      continue;
    }
    const op = sticky(OPERATOR, text, i);
    if (op) {
      tokens.push({ kind: 'op', text: op as Extract<Token, { kind: 'op' }>['text'], at: i });
      i += op.length;
      continue;
    }
    if (ch === '[' || ch === ']' || ch === ',' || ch === '.') {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
      continue;
    }
    const ident = sticky(IDENT, text, i);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident, at: i });
      i += ident.length;
      continue;
    }
    if (ch === '=') throw new ConditionSyntaxError('use == to compare, not =', i);
    if (ch === '/') throw new ConditionSyntaxError('a /regular expression/ may only follow `matches`', i);
    throw new ConditionSyntaxError(`unexpected "${ch}"`, i);
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

function stringAt(text: string, start: number): { token: Token; end: number } {
  const quote = text[start];
  let value = '';
  let j = start + 1;
  while (j < text.length && text[j] !== quote) {
    // A backslash keeps the next character as it is: 'it\'s', "say \"hi\"".
    if (text[j] === '\\' && j + 1 < text.length) j++;
    value += text[j++];
  }
  if (j >= text.length) throw new ConditionSyntaxError(`the string has no closing ${quote}`, start);
  return { token: { kind: 'string', value, at: start }, end: j + 1 };
}

function regexAt(text: string, start: number): { token: Token; end: number } {
  let pattern = '';
  let j = start + 1;
  while (j < text.length && text[j] !== '/') {
    if (text[j] === '\\' && j + 1 < text.length) pattern += text[j++];
    pattern += text[j++];
  }
  if (j >= text.length) throw new ConditionSyntaxError('the regular expression has no closing /', start);
  j++;
  const flags = /^[imsu]*/.exec(text.slice(j))?.[0] ?? '';
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    throw new ConditionSyntaxError(
      `invalid regular expression: ${(error as Error).message}`,
      start,
      undefined,
      error,
    );
  }
  return { token: { kind: 'regex', pattern, flags, at: start }, end: j + flags.length };
}
