import { z } from 'zod';
import { ConditionSyntaxError } from '../conditions/ast.js';
import type { ParsedRule } from '../rules/ast.js';
import { parseRule } from '../rules/parse.js';

/** A rule's `when:`, parsed when the file loads: `"p95(backend.health.latency, 5m) > 1s"`. */
export const ruleExpression = () =>
  z
    .string({ error: 'expected a rule expression such as "p95(backend.health.latency, 5m) > 1s"' })
    .min(1)
    .meta({
      description:
        'an expression over check history: avg/min/max/p50/p95/p99(service.check.metric, window), failure_rate(service.check, window), last(service.check.value), state(service.check), absent(service.check, window); see docs/rules.md',
    })
    .transform((text, ctx): ParsedRule => {
      try {
        return parseRule(text);
      } catch (error) {
        if (!(error instanceof ConditionSyntaxError)) throw error;
        ctx.addIssue({
          code: 'custom',
          message: `bad rule: ${error.message}`,
          params: { column: error.column, hint: error.hint, got: false },
        });
        return z.NEVER;
      }
    });
