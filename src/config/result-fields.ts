import type { z } from 'zod';
import { checkKinds } from '../checks/registry.js';
import type { ResultShape } from '../checks/types.js';
import { type ParsedCondition, readsOf } from '../conditions/index.js';
import { closest } from './did-you-mean.js';

/**
 * Refuses a condition that reads what the check's kind never fills (`restarts` on docker, `status` on
 * tcp, `[DOMAIN_EXPIRATION]` anywhere): against a real target such a check is red forever, so it is a
 * load error at the condition, with the name the user most likely meant.
 */
export function refuseUnfilledReads(
  kind: string,
  options: unknown,
  expect: readonly ParsedCondition[],
  ctx: z.RefinementCtx,
  at: readonly PropertyKey[] = [],
): void {
  const definition = (checkKinds as Readonly<Record<string, (typeof checkKinds)[keyof typeof checkKinds]>>)[
    kind
  ];
  if (!definition) return;
  const shape = (definition.produces as (o: unknown) => ResultShape)(options);
  const known = [...shape.fields, 'latency', ...shape.values];
  expect.forEach((condition, index) => {
    for (const read of readsOf(condition.expr)) {
      const name = read.type === 'field' ? read.as : read.name;
      if (read.type === 'field' && (read.field === 'latency' || shape.fields.includes(read.field))) continue;
      if (read.type === 'value' && (shape.openValues || shape.values.includes(read.name))) continue;
      const guess = nearest(name.replace(/^\[|\]$/g, '').toLowerCase(), known);
      const gives = `${kind} results have ${known.join(', ')}`;
      const column = Math.max(0, condition.source.indexOf(name));
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'expect', index, ...(condition.severity === 'warn' ? ['warn'] : [])],
        message: `${kind} checks never fill ${name}, so this condition could never pass`,
        params: {
          column,
          hint: [guess && guess !== name ? `did you mean \`${guess}\`?` : undefined, gives]
            .filter(Boolean)
            .join('; '),
          got: false,
        },
      });
    }
  });
}

/** A likely typo (`valeu`), or a name the word begins (`restarts` → `restart_count`). */
function nearest(word: string, known: readonly string[]): string | undefined {
  const typo = closest(word, known);
  if (typo) return typo;
  const stem = word.replace(/s$/, '');
  return stem.length >= 4 ? known.find((k) => k.startsWith(stem)) : undefined;
}
