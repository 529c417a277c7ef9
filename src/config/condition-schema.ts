import { z } from 'zod';
import { ConditionSyntaxError, type ParsedCondition, parseCondition, readsOf } from '../conditions/index.js';
import { deepFreeze } from '../schema/freeze.js';

/**
 * Conditions already parsed, by severity and text. A stack with thousands of checks repeats a handful of
 * conditions (`status == 200`); they share one tree, which the frozen config never changes. At 20,000
 * checks with two conditions each this keeps ~400,000 small objects out of the heap.
 */
const parsedConditions = new Map<string, ParsedCondition>();

/**
 * A condition parsed once per text and severity, shared by every check that writes it; throws
 * ConditionSyntaxError for a bad one. The cross-checks read conditions of an invalid section with it.
 */
export function parseConditionOnce(text: string, severity: 'fail' | 'warn'): ParsedCondition {
  const key = `${severity}\u0000${text}`;
  const known = parsedConditions.get(key);
  if (known) return known;
  const condition = deepFreeze(parseCondition(text, severity));
  parsedConditions.set(key, condition);
  return condition;
}

/** Where a condition is written: only a smoke step has earlier steps whose captures it can read. */
interface Place {
  suite?: boolean;
  /** A runbook step's `when:`, which reads the run (`params.*`, `steps.*`) and nothing else. */
  when?: boolean;
}

function parsed(
  text: string,
  severity: 'fail' | 'warn',
  ctx: z.RefinementCtx,
  path: PropertyKey[],
  place: Place = {},
) {
  try {
    const condition = parseConditionOnce(text, severity);
    if (!place.suite && readsOf(condition.expr).some((r) => r.type === 'context')) {
      ctx.addIssue({
        code: 'custom',
        path,
        message:
          'bad condition: [CONTEXT] reads what an earlier step of a smoke suite captured, and this condition is in no smoke suite',
        params: {
          column: Math.max(0, text.toUpperCase().indexOf('[CONTEXT]')),
          hint: 'move the check into a smoke: suite whose earlier step captures the value (capture: { user_id: { json: id } }), or compare with a fixed value',
          got: false,
        },
      });
      return z.NEVER;
    }
    const reads = readsOf(condition.expr);
    const wrong = place.when ? reads.find((r) => r.type !== 'run') : reads.find((r) => r.type === 'run');
    if (wrong) {
      const name = wrong.type === 'field' ? wrong.as : wrong.name;
      ctx.addIssue({
        code: 'custom',
        path,
        message: place.when
          ? `bad condition: a step's when: reads the run (params.<name>, steps.<step>.<field>), not ${name}`
          : "bad condition: params.* and steps.* are read only by a runbook step's when:",
        params: {
          column: 0,
          hint: place.when
            ? 'write for example when: params.force == true, or when: steps.restart.outcome == "fail"'
            : 'a check reads its own result: status, body, json.<path>, value, ...',
          got: false,
        },
      });
      return z.NEVER;
    }
    return condition;
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    ctx.addIssue({
      code: 'custom',
      path,
      message: `bad condition: ${error.message}`,
      // The column inside the string, so the error points at the character where parsing stopped.
      params: { column: error.column, hint: error.hint, got: false },
    });
    return z.NEVER;
  }
}

/** A condition, parsed when the file loads: `"status == 200"`, `"latency < 1s"`, `"[STATUS] == 200"`. */
export const condition = () =>
  z
    .string({ error: 'expected a condition such as "status == 200"' })
    .meta({ description: 'a condition: "status == 200", "latency < 1s", or Gatus syntax "[STATUS] == 200"' })
    .transform((text, ctx): ParsedCondition => parsed(text, 'fail', ctx, []));

/** A runbook step's `when:`: a condition on the run's `params.*` and earlier `steps.*`. */
export const whenCondition = () =>
  z
    .string({ error: 'expected a condition such as "params.force == true"' })
    .meta({
      description:
        "run the step only when this holds: params.<name> (the run's parameters) or steps.<step>.outcome / .result.<path>",
    })
    .transform((text, ctx): ParsedCondition => parsed(text, 'fail', ctx, [], { when: true }));

/**
 * An `expect:` item: a condition, or `{ warn: condition }` for one that only makes the check degraded.
 * A smoke step's (`suite`) may read what earlier steps captured, as `[CONTEXT].name`.
 */
export const expectation = (place: Place = {}) =>
  z
    .union([z.string(), z.strictObject({ warn: z.string() })], {
      error: 'expected a condition string or { warn: condition }',
    })
    .meta({
      description: 'a condition, or { warn: condition } to mark the check degraded instead of unhealthy',
    })
    .transform(
      (item, ctx): ParsedCondition =>
        typeof item === 'string'
          ? parsed(item, 'fail', ctx, [], place)
          : parsed(item.warn, 'warn', ctx, ['warn'], place),
    );
