import type { Command } from 'commander';
import { jsonSchema } from '../../config/schema.js';

/**
 * `dayshift schema`: the JSON Schema of the stack file, generated from the same definitions
 * `validate` uses. Point an editor at it (`# yaml-language-server: $schema=dayshift.schema.json`).
 */
export function defineSchema(schema: Command): void {
  schema.action(() => {
    process.stdout.write(`${JSON.stringify(jsonSchema(), null, 2)}\n`);
  });
}
