/*
 * The error body as the routes' schemas document it (the OpenAPI document shows it). It sits apart from
 * the handler that writes it (`src/server/http-errors.ts`) because the features' own routes use it, and
 * the features sit below the server.
 */

/** JSON Schema of the error body, shared by every route's responses. */
export const errorResponseSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** The error answers most routes document: bad request, no token, wrong role, not found. */
export const errorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  413: errorResponseSchema,
} as const;
