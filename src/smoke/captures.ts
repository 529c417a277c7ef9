import type { ConditionSubject } from '../conditions/index.js';

/** Where a value comes from in a step's response; the shapes `capture:` accepts. */
export type CaptureSource = { cookie: string } | { json: string } | { header: string } | { body: string };

/** The captured value, or a reason it could not be found. */
export function capture(
  source: CaptureSource,
  subject: ConditionSubject,
): { value: string } | { missing: string } {
  if ('cookie' in source) {
    const value = subject.cookies?.[source.cookie];
    return value === undefined ? { missing: `the response set no cookie ${source.cookie}` } : { value };
  }
  if ('header' in source) {
    const wanted = source.header.toLowerCase();
    const value = Object.entries(subject.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1];
    return value === undefined ? { missing: `the response has no header ${source.header}` } : { value };
  }
  if ('json' in source) {
    let data: unknown;
    try {
      data = JSON.parse(subject.body ?? '');
    } catch {
      return { missing: 'the body is not JSON' };
    }
    const value = walk(data, source.json);
    if (value === undefined || value === null) return { missing: `the body has no ${source.json}` };
    return { value: typeof value === 'object' ? JSON.stringify(value) : String(value) };
  }
  const match = new RegExp(source.body).exec(subject.body ?? '');
  if (!match) return { missing: `the body does not match /${source.body}/` };
  return { value: match[1] ?? match[0] };
}

/** `data.items[0].id` through parsed JSON. */
function walk(data: unknown, path: string): unknown {
  let current = data;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[
      /^\d+$/.test(part) && Array.isArray(current) ? Number(part) : part
    ];
  }
  return current;
}
