/**
 * `${VAR}` substitution with Docker Compose's rules:
 *   $VAR, ${VAR}        the value; unset gives an empty string and a warning
 *   ${VAR:-default}     default when unset or empty      ${VAR-default}   default only when unset
 *   ${VAR:?message}     error when unset or empty        ${VAR?message}   error only when unset
 *   ${VAR:+alt}         alt when set and not empty       ${VAR+alt}       alt when set
 *   $$                  a literal $; a $ followed by anything else is kept as it is
 * Defaults, alternatives and messages may hold ${...} themselves: ${A:-${B:-x}}.
 */
export interface InterpolationResult {
  value: string;
  /** Problems, each at its offset in the text: a required variable missing, a malformed ${...}. */
  errors: Array<{ message: string; offset: number; hint?: string }>;
  /** Variables used without a default that were not set. */
  unset: string[];
  /** Every variable the text read. */
  names: string[];
}

export type Lookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** How deep `${A:-${B:-...}}` may go: real files use two or three levels; each level is a recursion. */
export const MAX_INTERPOLATION_NESTING = 10;

export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  const result: InterpolationResult = { value: '', errors: [], unset: [], names: [] };
  const read: Lookup = (name) => {
    if (!result.names.includes(name)) result.names.push(name);
    return lookup(name);
  };
  const deep = tooDeep(text);
  if (deep !== undefined) {
    result.errors.push({
      message: `\${...} nested more than ${MAX_INTERPOLATION_NESTING} levels deep`,
      offset: deep,
      hint: `nest defaults at most ${MAX_INTERPOLATION_NESTING} deep, as in \${A:-\${B:-default}}`,
    });
    return result;
  }
  result.value = expand(text, 0, read, result);
  return result;
}

function expand(text: string, base: number, lookup: Lookup, result: InterpolationResult): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) return out + text.slice(i);
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const close = closingBrace(text, dollar + 1);
      if (close < 0) {
        result.errors.push({ message: 'a ${ has no closing }', offset: base + dollar });
        return out + text.slice(dollar);
      }
      out += substitute(text.slice(dollar + 2, close), base + dollar, lookup, result);
      i = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name) {
        out += variable(name, lookup, result);
        i = dollar + 1 + name.length;
      } else {
        out += '$';
        i = dollar + 1;
      }
    }
  }
  return out;
}

function variable(name: string, lookup: Lookup, result: InterpolationResult): string {
  const value = lookup(name);
  if (value === undefined && !result.unset.includes(name)) result.unset.push(name);
  return value ?? '';
}

/** The inside of `${...}` that starts at `offset` in the text. */
function substitute(inner: string, offset: number, lookup: Lookup, result: InterpolationResult): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
  if (!match) {
    result.errors.push({
      message: `"\${${inner}}" is not a variable reference; write \${NAME} or \${NAME:-default}`,
      offset,
    });
    return '';
  }
  const name = match[1] as string;
  const operator = match[2];
  if (operator === undefined) return variable(name, lookup, result);
  const argument = match[3] ?? '';
  const argumentOffset = offset + 2 + name.length + operator.length;
  const value = lookup(name);
  // With a colon, an empty value counts as missing; without, only an unset one does.
  const missing = value === undefined || (operator.startsWith(':') && value === '');
  switch (operator.replace(':', '')) {
    case '-':
      return missing ? expand(argument, argumentOffset, lookup, result) : (value as string);
    case '+':
      return missing ? '' : expand(argument, argumentOffset, lookup, result);
    default: {
      if (!missing) return value as string;
      const message = expand(argument, argumentOffset, lookup, result);
      const state = value === undefined ? 'not set' : 'empty';
      result.errors.push({
        message: `required variable ${name} is ${state}${message ? `: ${message}` : ''}`,
        offset,
      });
      return '';
    }
  }
}

/**
 * The offset of the first `${` nested deeper than the limit, whatever the variables hold: expanding
 * recurses once per level, and whether a default is read must not decide if the file loads.
 */
function tooDeep(text: string): number | undefined {
  const open: boolean[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '$' && text[i + 1] === '$') i++;
    else if (ch === '$' && text[i + 1] === '{') {
      if (++depth > MAX_INTERPOLATION_NESTING) return i;
      open.push(true);
      i++;
    } else if (ch === '{') open.push(false);
    else if (ch === '}' && open.pop()) depth--;
  }
  return undefined;
}

function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}
