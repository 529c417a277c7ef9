import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The webhook payload's JSON Schema as published in docs/: the tests read that very file, never a copy. */
export const WEBHOOK_SCHEMA_PATH = path.resolve('docs/webhook-payload.schema.json');

export const webhookSchema = JSON.parse(readFileSync(WEBHOOK_SCHEMA_PATH, 'utf8')) as {
  $schema: string;
  properties: Record<string, unknown>;
  $defs: { alert: { properties: Record<string, unknown> } };
};

// An independent validator (Ajv, draft 2020-12, formats checked), so the schema is not judged by our own code.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const validate = ajv.compile(webhookSchema);

/** What is wrong with a payload by the published schema, one line per problem; empty when it is valid. */
export function payloadErrors(payload: unknown): string[] {
  return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
