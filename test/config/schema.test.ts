import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { repositoryKinds } from '../../src/backup/repositories/registry.js';
import { backupSourceKinds } from '../../src/backup/sources/registry.js';
import { checkKinds } from '../../src/checks/registry.js';
import { jsonSchema, sections } from '../../src/config/schema.js';
import { driverKinds } from '../../src/drivers/registry.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import type { PluginDefinition } from '../../src/schema/plugin.js';
import { stepKinds } from '../../src/steps/registry.js';

const registries: Record<string, Readonly<Record<string, PluginDefinition>>> = {
  checks: checkKinds,
  notifiers: notifierKinds,
  'backup sources': backupSourceKinds,
  repositories: repositoryKinds,
  drivers: driverKinds,
  steps: stepKinds,
};

/** Walks a JSON Schema and collects every value of `key`. */
function collect(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const n of node) collect(n, key, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  return out;
}

describe('plugin registries', () => {
  it.each(Object.entries(registries))(
    '%s: each entry is registered under its own kind, with a description',
    (_name, registry) => {
      for (const [key, plugin] of Object.entries(registry)) {
        expect(plugin.kind).toBe(key);
        expect(plugin.description.length).toBeGreaterThan(5);
      }
    },
  );

  it.each(Object.entries(registries))('%s: options refuse unknown keys', (_name, registry) => {
    for (const plugin of Object.values(registry)) {
      const options = plugin.options as z.ZodType;
      const result = options.safeParse({ surely_not_an_option: 1 });
      expect(result.success).toBe(false);
    }
  });

  it('every backup source says where a drill restores it', () => {
    for (const source of Object.values(backupSourceKinds))
      expect(source.target.safeParse({ nope: 1 }).success).toBe(false);
  });
});

describe('the JSON Schema', () => {
  const schema = jsonSchema();
  const text = JSON.stringify(schema);

  it('is JSON with a title, a description and every section', () => {
    expect(JSON.parse(text)).toEqual(schema);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'dayshift.yaml',
      type: 'object',
    });
    expect(String(schema.description)).toContain('stack file');
    expect(Object.keys(schema.properties as object).sort()).toEqual(Object.keys(sections).sort());
    expect(schema.required).toEqual(['version']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('names every plugin kind of every registry', () => {
    const properties = new Set(collect(schema, 'properties').flatMap((p) => Object.keys(p as object)));
    for (const registry of Object.values(registries))
      for (const kind of Object.keys(registry)) expect(properties).toContain(kind);
  });

  it('marks secrets with x-secret', () => {
    expect(collect(schema, 'x-secret').length).toBeGreaterThan(10);
    const pagerduty = collect(schema, 'pagerduty')[0] as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(pagerduty.properties.routing_key?.['x-secret']).toBe(true);
  });

  it('describes durations and gives defaults', () => {
    expect(text).toContain('a duration: 250ms, 10s, 5m, 2h, 14d');
    const server = (
      schema.properties as Record<string, { properties: Record<string, { default?: unknown }> }>
    ).server;
    expect(server?.properties.listen?.default).toBe('127.0.0.1:7070');
  });
});
