/**
 * Parses a `.env` file the way Docker Compose reads one: `KEY=VALUE` lines, an optional `export `,
 * `#` comments, single quotes taken literally, double quotes with `\n`, `\t`, `\"` and `\\` escapes,
 * and an unquoted value's trailing ` # comment` removed.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1] as string;
    let value = match[2] ?? '';
    if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      value = end > 0 ? value.slice(1, end) : value.slice(1);
    } else if (value.startsWith('"')) {
      let result = '';
      let i = 1;
      for (; i < value.length; i++) {
        const ch = value[i];
        if (ch === '\\' && i + 1 < value.length) {
          const next = value[++i];
          result += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
        } else if (ch === '"') {
          break;
        } else {
          result += ch;
        }
      }
      value = result;
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[key] = value;
  }
  return out;
}
