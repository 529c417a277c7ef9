import { LIMITS } from '../util/input-bounds.js';

/** JSON Schemas shared by the routes; the OpenAPI document is generated from them. */

const anyValue = {} as const;

/** An object whose shape the route's own types describe (alerts, backups, runs). */
export const anyObjectSchema = { type: 'object', additionalProperties: true } as const;

export const jobSchema = {
  $id: 'Job',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] },
    priority: { type: 'integer' },
    payload: anyValue,
    runAt: { type: 'integer', description: 'epoch milliseconds' },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    uniqueKey: { type: ['string', 'null'] },
    concurrencyKey: { type: ['string', 'null'] },
    leaseOwner: { type: ['string', 'null'] },
    leaseExpiresAt: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    result: anyValue,
    progress: anyValue,
    createdAt: { type: 'integer' },
    startedAt: { type: ['integer', 'null'] },
    finishedAt: { type: ['integer', 'null'] },
  },
  required: ['id', 'kind', 'status', 'attempts', 'maxAttempts', 'createdAt'],
} as const;

export const jobEventSchema = {
  $id: 'JobEvent',
  type: 'object',
  properties: {
    jobId: { type: 'integer' },
    seq: { type: 'integer' },
    at: { type: 'integer' },
    type: { type: 'string' },
    data: anyValue,
  },
  required: ['jobId', 'seq', 'at', 'type'],
} as const;

const statusCounts = {
  type: 'object',
  properties: Object.fromEntries(
    ['queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => [s, { type: 'integer' }]),
  ),
} as const;

export const queueHealthSchema = {
  $id: 'QueueHealth',
  type: 'object',
  properties: {
    counts: statusCounts,
    oldestQueuedAgeMs: { type: ['number', 'null'] },
    waitP50Ms: { type: ['number', 'null'] },
    waitP95Ms: { type: ['number', 'null'] },
    windowMs: { type: 'number' },
    byKind: {
      type: 'array',
      items: { type: 'object', properties: { kind: { type: 'string' }, counts: statusCounts } },
    },
  },
} as const;

export const tokenSchema = {
  $id: 'Token',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
    prefix: { type: 'string', description: 'the first characters of the token, to recognise it' },
    createdAt: { type: 'integer' },
    lastUsedAt: { type: ['integer', 'null'] },
    revokedAt: { type: ['integer', 'null'] },
  },
  required: ['id', 'name', 'role', 'prefix', 'createdAt'],
} as const;

/*
 * The bounds of every input (LIMITS, shared with the features and the CLI), as JSON Schema so the
 * OpenAPI document shows them and a request past one is a 400 before any handler runs.
 */

/** A name, in a body or a path: printable, at most LIMITS.name characters. */
export const nameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.name,
  pattern: '^\\P{Cc}*$',
} as const;

/** Free text: a comment, a description. */
export const textSchema = { type: 'string', maxLength: LIMITS.text, pattern: '^[^\\u0000]*$' } as const;

/** A short expression: a matcher, a unique key, a list of statuses. */
export const expressionSchema = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.expression,
  pattern: '^[^\\u0000]*$',
} as const;

/** A duration as a person writes it; its value is at most ten years. */
export const durationSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 50,
  description: 'a duration such as 30m, 2h or 1d; at most ten years',
} as const;

/** A time in epoch milliseconds; the features also refuse one more than ten years ahead. */
export const epochMsSchema = {
  type: 'integer',
  minimum: LIMITS.earliestMs,
  maximum: LIMITS.latestMs,
  description: 'epoch milliseconds, from 2000 to at most ten years ahead',
} as const;

/** A stored row's id. */
export const idSchema = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

export const idParams = {
  type: 'object',
  properties: { id: idSchema },
  required: ['id'],
} as const;

export const nameParams = {
  type: 'object',
  properties: { name: nameSchema },
  required: ['name'],
} as const;

/** How many rows a list answers at most, and the id before which a page starts. */
export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  before: { ...idSchema, description: 'page: only rows with a smaller id' },
} as const;
