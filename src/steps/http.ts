import { z } from 'zod';
import { httpCheck } from '../checks/http.js';
import { timeout } from '../schema/values.js';
import type { StepKindDefinition } from './types.js';

const options = httpCheck.options.extend({
  expect: z.array(z.string().min(1)).default(['status < 400']).describe('conditions on the response'),
  timeout: timeout().prefault('30s'),
});

/**
 * Sends one HTTP request (the http check's options) and holds the response to `expect`
 * (`status < 400` by default): a deploy hook, a cache purge, a queue drain endpoint.
 */
export const httpStep = {
  kind: 'http',
  description: 'send an HTTP request and hold the response to expect (status < 400 by default)',
  options,
  references: () => [],
  timeoutOf: (o) => o.timeout,
  run: async (o, ctx) => {
    const { expect, timeout: _timeout, ...request } = o;
    const verdict = await ctx.checks.runInline('http', request, expect, ctx.timeoutMs, ctx.signal);
    return {
      ok: verdict.outcome !== 'fail',
      detail: `${o.method} ${o.url}: ${verdict.reason}`,
      result: verdict.result,
    };
  },
} satisfies StepKindDefinition<z.output<typeof options>>;
