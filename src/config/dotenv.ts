/**
 * Parses a `.env` file the way Docker Compose reads one: `KEY=VALUE` lines, an optional `export `,
 * `#` comments, single quotes taken literally, double quotes with `\n`, `\t`, `\r`, `\"` and `\\`
 * escapes, and an unquoted value's trailing ` # comment` removed. Lines that are none of these are
 * returned in `invalid` by line number, so the loader can warn about them.
 */
export function parseDotenv(text: string): Record<string, string> {
  return parseDotenvLines(text).values;
}

export function parseDotenvLines(text: string): { values: Record<string, string>; invalid: number[] } {
  const values: Record<string, string> = {};
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      invalid.push(index + 1);
      return;
    }
    values[match[1] as string] = unquote(match[2] ?? '');
  });
  return { values, invalid };
}

function unquote(value: string): string {
  if (value.startsWith("'")) {
    const end = value.indexOf("'", 1);
    return end > 0 ? value.slice(1, end) : value.slice(1);
  }
  if (value.startsWith('"')) {
    const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
    let out = '';
    for (let i = 1; i < value.length; i++) {
      const ch = value[i] as string;
      if (ch === '"') break;
      if (ch === '\\' && i + 1 < value.length) {
        const next = value[++i] as string;
        out += escapes[next] ?? next;
      } else out += ch;
    }
    return out;
  }
  return value.replace(/\s+#.*$/, '').trim();
}
