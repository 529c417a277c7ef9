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

export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;
