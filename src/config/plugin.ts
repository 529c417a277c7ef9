import { z } from 'zod';

/**
 * A plugin of some kind (a check kind, a notifier, a backup source...): its name and its options
 * schema. Behaviour is added to the same object by the issue that builds it.
 */
export interface PluginDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  kind: K;
  description: string;
  options: S;
}

export function definePlugin<K extends string, S extends z.ZodType>(
  definition: PluginDefinition<K, S>,
): PluginDefinition<K, S> {
  return definition;
}

export type Kinded<C> = { kind: string; options: unknown } & C;

/**
 * An object holding exactly one kind key (`http: {...}`) beside common keys (`every`, `expect`):
 * parsed into `{ kind, options, ...common }`. `what` names the family in errors ("check kind").
 */
export function kinded<Shape extends z.ZodRawShape>(
  what: string,
  registry: Readonly<Record<string, PluginDefinition>>,
  common: Shape,
) {
  const kindShape: Record<string, z.ZodType> = {};
  for (const [kind, def] of Object.entries(registry))
    kindShape[kind] = def.options.optional().describe(def.description);
  const kinds = Object.keys(registry);
  return z.strictObject({ ...kindShape, ...common }).transform((value, ctx) => {
    const present = kinds.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `expected one ${what} key: ${kinds.join(', ')}`
            : `expected one ${what} key, got ${present.length}: ${present.join(', ')}`,
        params: { at: 'key', kindCount: present.length, got: false },
      });
      return z.NEVER;
    }
    const kind = present[0] as string;
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!kinds.includes(k)) rest[k] = v;
    return { kind, options: (value as Record<string, unknown>)[kind], ...rest } as {
      kind: string;
      options: unknown;
    } & z.output<z.ZodObject<Shape>>;
  });
}
