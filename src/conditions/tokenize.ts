import { parseDuration } from '../config/duration.js';
import { ConditionSyntaxError } from './ast.js';

export type Token =
  | { kind: 'ident'; text: string; at: number }
  | { kind: 'number'; value: number; unit?: 'ms' | '%'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'regex'; pattern: string; flags: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'punct'; text: '[' | ']' | ',' | '.' | '(' | ')'; at: number }
  | { kind: 'end'; at: number };

/** Splits Dayshift condition text into tokens; a `/.../` after `matches` is one regex token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    const prev = tokens.at(-1);
    if (ch === '/' && prev?.kind === 'ident' && prev.text === 'matches') {
      let j = i + 1;
      let pattern = '';
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
        throw new ConditionSyntaxError(`invalid regular expression: ${(error as Error).message}`, start);
      }
      tokens.push({ kind: 'regex', pattern, flags, at: start });
      i = j + flags.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j++];
      }
      if (j >= text.length) throw new ConditionSyntaxError(`the string has no closing ${ch}`, start);
      tokens.push({ kind: 'string', value, at: start });
      i = j + 1;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?/.exec(text.slice(i));
    if (
      number &&
      (ch !== '-' || !prev || prev.kind === 'op' || (prev.kind === 'punct' && prev.text !== ']'))
    ) {
      i += number[0].length;
      // A number may carry a unit (`1s`, `250ms`, `80%`) or be a compound duration (`1h30m`).
      const rest = /^(?:(?:ms|s|m|h|d|w)(?:\d+(?:ms|s|m|h|d|w))*|%)/.exec(text.slice(i))?.[0] ?? '';
      if (rest && /[A-Za-z0-9_]/.test(text[i + rest.length] ?? '')) {
        throw new ConditionSyntaxError(
          `"${text.slice(start).split(/[\s,\]]/)[0]}" is not a number, duration or percentage`,
          start,
        );
      }
      i += rest.length;
      if (rest === '%')
        tokens.push({
          kind: 'number',
          value: Number(number[0]),
          unit: '%',
          text: text.slice(start, i),
          at: start,
        });
      else if (rest)
        tokens.push({
          kind: 'number',
          value: durationMs(text.slice(start, i)),
          unit: 'ms',
          text: text.slice(start, i),
          at: start,
        });
      else tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at: start });
      continue;
    }
    const op = /^(==|!=|<=|>=|<|>)/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[0], at: start });
      i += op[0].length;
      continue;
    }
    if ('[],.()'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch as '[' | ']' | ',' | '.' | '(' | ')', at: start });
      i++;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], at: start });
      i += ident[0].length;
      continue;
    }
    if (ch === '=') throw new ConditionSyntaxError('use == to compare, not =', start);
    throw new ConditionSyntaxError(`unexpected "${ch}"`, start);
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

function durationMs(text: string): number {
  return parseDuration(text.startsWith('-') ? text.slice(1) : text)! * (text.startsWith('-') ? -1 : 1);
}
