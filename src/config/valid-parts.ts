import { checkKinds } from '../checks/registry.js';
import { ConditionSyntaxError, type ParsedCondition } from '../conditions/index.js';
import type { PluginDefinition } from '../schema/plugin.js';
import type { Reference, Referring } from '../schema/references.js';
import type { ActionUse, StepKindDefinition } from '../steps/types.js';
import { ownValue } from '../util/own.js';
import { parseConditionOnce } from './condition-schema.js';
import type { ParsedSections } from './schema.js';
import { smokeStepKinds } from './sections/operations.js';

type Acting = Pick<StepKindDefinition, 'actions'>;

// The parts of the file the cross-checks (names, condition fields, restore targets) read. They read
// them item by item, from the raw data where a section failed the schema, so one mistake does not hide
// another: a bad `every` does not hide the unknown notifier beside it, nor a bad condition the unfilled
// field its sibling reads. Each item counts as far as it is valid itself; the schema reports the rest.

/** A path in the loaded data: `['services', 'web', 'checks', 'health', 'expect', 0]`. */
export type Path = readonly PropertyKey[];

/** The mapping at a value, or an empty one when it is anything else. */
export function mapping(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The list at a value, or an empty one when it is anything else. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every step of every runbook (its `steps`, then its `on_failure`), with where it is written. */
export function runbookSteps(raw: Record<string, unknown>): Array<{ at: Path; step: unknown }> {
  const out: Array<{ at: Path; step: unknown }> = [];
  for (const [r, runbook] of Object.entries(mapping(raw.runbooks)))
    for (const key of ['steps', 'on_failure'])
      list(mapping(runbook)[key]).forEach((step, i) => {
        out.push({ at: ['runbooks', r, key, i], step });
      });
  return out;
}

/** A plugin definition that may name other parts of the file, and ask actions of services' drivers. */
type Definition = PluginDefinition & Partial<Referring> & Partial<Acting>;

/** An item holding one kind key (a step, a gate, a smoke step) whose options are valid. */
export interface KindedPart {
  kind: string;
  options: unknown;
  /** What its options name, as its kind declares; each `at` is relative to the options. */
  references: readonly Reference[];
  /** The driver actions its options ask of services; each `at` is relative to the options. */
  actions: readonly ActionUse[];
}

/** The item's kind and parsed options, or undefined unless it holds exactly one kind key and it parses. */
export function kindedPart(
  value: unknown,
  kinds: Readonly<Record<string, Definition>>,
): KindedPart | undefined {
  const item = mapping(value);
  const present = Object.keys(item).filter((key) => ownValue(kinds, key) && item[key] !== undefined);
  if (present.length !== 1) return undefined;
  const kind = present[0] as string;
  const definition = kinds[kind] as Definition;
  const parsed = definition.options.safeParse(item[kind]);
  if (!parsed.success) return undefined;
  return {
    kind,
    options: parsed.data,
    references: definition.references?.(parsed.data) ?? [],
    actions: definition.actions?.(parsed.data) ?? [],
  };
}

/** A condition that parses, and where it is written. */
export interface ConditionPart {
  at: Path;
  condition: ParsedCondition;
}

/** A check whose kind and options are valid: `service.check`, and each of its conditions that parses. */
export interface CheckPart {
  id: string;
  at: Path;
  kind: string;
  options: unknown;
  conditions: ConditionPart[];
}

/**
 * Every check whose kind and options are valid: from the parsed section when it passed (the common
 * case, and a large one: nothing is parsed twice), from each raw check otherwise.
 */
export function checksIn(raw: Record<string, unknown>, parsed: Partial<ParsedSections>): CheckPart[] {
  const out: CheckPart[] = [];
  if (parsed.services) {
    for (const [s, service] of Object.entries(parsed.services))
      for (const [c, check] of Object.entries(service.checks)) {
        const at = ['services', s, 'checks', c];
        const conditions = check.expect.map((condition, i) => ({
          at: [...at, 'expect', i, ...(condition.severity === 'warn' ? ['warn'] : [])],
          condition,
        }));
        out.push({ id: `${s}.${c}`, at, kind: check.kind, options: check.options, conditions });
      }
    return out;
  }
  for (const [s, service] of Object.entries(mapping(raw.services)))
    for (const [c, check] of Object.entries(mapping(mapping(service).checks))) {
      const at = ['services', s, 'checks', c];
      const part = kindedPart(check, checkKinds);
      if (part)
        out.push({
          id: `${s}.${c}`,
          at,
          kind: part.kind,
          options: part.options,
          conditions: conditionsIn(mapping(check).expect, [...at, 'expect']),
        });
    }
  return out;
}

/** A smoke step whose kind and options are valid, with the conditions of its `expect` that parse. */
export interface SmokeStepPart extends KindedPart {
  at: Path;
  conditions: ConditionPart[];
}

/** Every valid smoke step, read from the raw data: suites are short, so this costs little. */
export function smokeStepsIn(raw: Record<string, unknown>): SmokeStepPart[] {
  const out: SmokeStepPart[] = [];
  for (const [suite, steps] of Object.entries(mapping(raw.smoke)))
    list(steps).forEach((step, i) => {
      const at = ['smoke', suite, i];
      const part = kindedPart(step, smokeStepKinds);
      if (part) out.push({ ...part, at, conditions: conditionsIn(mapping(step).expect, [...at, 'expect']) });
    });
  return out;
}

/** Each item of a raw `expect:` list that parses (a string, or `{ warn: string }`); the schema reports the rest. */
function conditionsIn(expect: unknown, at: Path): ConditionPart[] {
  const out: ConditionPart[] = [];
  list(expect).forEach((item, i) => {
    const warn = mapping(item).warn;
    const text = typeof item === 'string' ? item : typeof warn === 'string' ? warn : undefined;
    if (text === undefined) return;
    try {
      const condition = parseConditionOnce(text, typeof item === 'string' ? 'fail' : 'warn');
      out.push({ at: [...at, i, ...(typeof item === 'string' ? [] : ['warn'])], condition });
    } catch (error) {
      if (!(error instanceof ConditionSyntaxError)) throw error;
    }
  });
  return out;
}
