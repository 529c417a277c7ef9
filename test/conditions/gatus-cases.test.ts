import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, evaluateCondition, parseCondition } from '../../src/conditions/index.js';
import { GATUS_CASES, type GatusCase } from './gatus-cases.js';

const label = (c: GatusCase) =>
  `${c.condition} → ${typeof c.expected === 'boolean' ? c.expected : 'refused'} (${c.from})`;

describe("Gatus's documented cases get Gatus's verdicts", () => {
  const verdicts = GATUS_CASES.filter((c) => typeof c.expected === 'boolean');
  const refusals = GATUS_CASES.filter((c) => typeof c.expected !== 'boolean');

  it.each(verdicts.map((c) => [label(c), c] as const))('%s', (_, c) => {
    const condition = parseCondition(c.condition);
    expect(condition.expr.type).toBe('gatus');
    expect(evaluateCondition(condition, c.result).ok).toBe(c.expected);
  });

  it.each(refusals.map((c) => [label(c), c] as const))('%s', (_, c) => {
    let error: unknown;
    try {
      parseCondition(c.condition);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConditionSyntaxError);
    const { message, hint } = error as ConditionSyntaxError;
    expect(message).toContain((c.expected as { refused: string }).refused);
    expect(hint, `the refusal of ${c.condition} says what to do`).toMatch(/\S/);
  });

  it('covers at least 300 cases, with pat() and -, negative checks and bracketed literals', () => {
    expect(GATUS_CASES.length).toBeGreaterThanOrEqual(300);
    const has = (test: (c: GatusCase) => boolean) => GATUS_CASES.filter(test).length;
    expect(has((c) => /pat\([^)]*-/.test(c.condition) && typeof c.expected === 'boolean')).toBeGreaterThan(4);
    expect(has((c) => c.from === 'Gatus results of a failed probe')).toBeGreaterThan(10);
    expect(
      has((c) => /== \[[a-z0-9]+\]$/i.test(c.condition) && !/\[(BODY|STATUS)\]$/i.test(c.condition)),
    ).toBeGreaterThan(3);
  });
});
