import { z } from 'zod';

/**
 * Glossary for the plugin kinds (check kinds, notifiers, backup sources, repositories, drivers, steps):
 *   kind       the key that selects a plugin in dayshift.yaml (`http:`, `slack:`, `restic:`)
 *   options    what the user writes under that key, validated by the plugin's own schema
 *   kinded     an object holding exactly one kind key beside common keys (`{ http: {...}, every: 10s }`),
 *              parsed into `{ kind, options, ...common }`
 * A plugin is a plain object; the issue that builds its behaviour adds `run`/`send` to the same object.
 */
export interface PluginDefinition {
  kind: string;
  /** One line for `dayshift schema` and the docs. */
  description: string;
  options: z.ZodType;
}

/** The options schema of every plugin in a registry, by kind. */
export type OptionsOf<R extends Readonly<Record<string, PluginDefinition>>> = {
  [K in keyof R]: R[K]['options'];
};

export function optionsOf<R extends Readonly<Record<string, PluginDefinition>>>(registry: R): OptionsOf<R> {
  const out: Record<string, z.ZodType> = {};
  for (const [kind, def] of Object.entries(registry))
    out[kind] = def.options.describe(`${kind}: ${def.description}`);
  return out as OptionsOf<R>;
}

/** `{ kind: 'http', options: {...} } | { kind: 'tcp', options: {...} } | ...` for a map of kind schemas. */
export type KindedValue<M extends Record<string, z.ZodType>> = {
  [K in keyof M & string]: { kind: K; options: z.output<M[K]> };
}[keyof M & string];

/** What the error messages need to know about a kinded object: its family name and its kinds. */
export interface KindedInfo {
  what: string;
  kinds: readonly string[];
}

/** Kinded objects by schema instance, so unknown-key errors can tell a mistyped kind from a mistyped key. */
export const kindedObjects = z.registry<KindedInfo>();

/**
 * An object holding exactly one kind key beside common keys, parsed into `{ kind, options, ...common }`.
 * `what` names the family in errors ("check kind", "notifier kind").
 */
export function kinded<M extends Record<string, z.ZodType>, Shape extends z.ZodRawShape>(
  what: string,
  kinds: M,
  common: Shape,
) {
  const names = Object.keys(kinds);
  const kindShape: Record<string, z.ZodType> = {};
  for (const [kind, schema] of Object.entries(kinds)) kindShape[kind] = schema.optional();
  const object = z.strictObject({ ...kindShape, ...common });
  kindedObjects.add(object, { what, kinds: names });
  return object.transform((value, ctx) => {
    const record = value as Record<string, unknown>;
    const present = names.filter((k) => record[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        // A second kind key is reported where it is written; a missing one at the object's key.
        path: present.length > 1 ? [present[1] as string] : [],
        message:
          present.length === 0
            ? `expected one ${what} key: ${names.join(', ')}`
            : `expected one ${what} key, got ${present.length}: ${present.join(', ')}`,
        params: { at: 'key', kindCount: present.length, got: false },
      });
      return z.NEVER;
    }
    const kind = present[0] as string;
    const out: Record<string, unknown> = { kind, options: record[kind] };
    for (const [k, v] of Object.entries(record)) if (!names.includes(k) && v !== undefined) out[k] = v;
    return out as KindedValue<M> & z.output<z.ZodObject<Shape>>;
  });
}
