import type { RunbookParam } from '../config/sections/runbooks.js';
import { DayshiftError } from '../errors.js';
import { PARAM_TEMPLATE } from '../steps/shared/param-values.js';
import type { ParamValue } from '../steps/types.js';

/**
 * The run's parameters: each given value read as its parameter's type and held to its bounds, each
 * missing one taken from its default. Every problem is listed at once (PARAM_INVALID); a value given
 * as text (`--param replicas=3`) is read as the parameter's type.
 */
export function resolveParams(
  runbook: string,
  declared: Readonly<Record<string, RunbookParam>>,
  given: Readonly<Record<string, unknown>>,
): Record<string, ParamValue> {
  const problems: string[] = [];
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(given))
    if (!Object.hasOwn(declared, name)) problems.push(`${name} is not a parameter of ${runbook}`);
  for (const [name, param] of Object.entries(declared)) {
    const raw = Object.hasOwn(given, name) ? given[name] : param.default;
    if (raw === undefined) {
      problems.push(`${name} is required${param.description ? ` (${param.description})` : ''}`);
      continue;
    }
    const value = typed(raw, param.type);
    if (value === undefined) {
      problems.push(`${name} must be a ${param.type}, got ${JSON.stringify(raw)}`);
      continue;
    }
    const wrong = outOfBounds(value, param);
    if (wrong) problems.push(`${name} ${wrong}, got ${JSON.stringify(value)}`);
    else out[name] = value;
  }
  if (problems.length > 0) {
    const list = Object.entries(declared).map(
      ([n, p]) => `${n} (${p.type}${p.default === undefined ? ', required' : `, default ${p.default}`})`,
    );
    throw new DayshiftError('PARAM_INVALID', `runbook ${runbook}: ${problems.join('; ')}`, {
      hint: list.length > 0 ? `its parameters: ${list.join(', ')}` : `${runbook} takes no parameters`,
    });
  }
  return out;
}

function typed(raw: unknown, type: RunbookParam['type']): ParamValue | undefined {
  if (typeof raw === type) return raw as ParamValue;
  if (typeof raw !== 'string') return undefined;
  if (type === 'string') return raw;
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return raw === 'true' ? true : raw === 'false' ? false : undefined;
}

function outOfBounds(value: ParamValue, param: RunbookParam): string | undefined {
  if (param.one_of && !param.one_of.includes(value as string | number))
    return `must be one of ${param.one_of.join(', ')}`;
  if (typeof value === 'number') {
    if (param.min !== undefined && value < param.min) return `must be at least ${param.min}`;
    if (param.max !== undefined && value > param.max) return `must be at most ${param.max}`;
  }
  if (typeof value === 'string' && param.pattern && !new RegExp(param.pattern).test(value))
    return `must match ${param.pattern}`;
  return undefined;
}

/**
 * A step's options with `{{ params.name }}` put in: a string that is only one template becomes the
 * parameter's value as it is typed (a number stays a number); inside longer text it is written out.
 */
export function fillParams(options: unknown, params: Readonly<Record<string, ParamValue>>): unknown {
  if (typeof options === 'string') {
    const whole = /^\{\{\s*params\.([A-Za-z][A-Za-z0-9_-]*)\s*\}\}$/.exec(options);
    if (whole && Object.hasOwn(params, whole[1] as string)) return params[whole[1] as string];
    return options.replace(PARAM_TEMPLATE, (text, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : text,
    );
  }
  if (Array.isArray(options)) return options.map((item) => fillParams(item, params));
  if (options && typeof options === 'object' && Object.getPrototypeOf(options) === Object.prototype)
    return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, fillParams(v, params)]));
  return options;
}
