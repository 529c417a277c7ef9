import { checkKinds } from '../checks/registry.js';
import type { CheckKindDefinition, ResultShape } from '../checks/types.js';
import { type ParsedCondition, readsOf } from '../conditions/index.js';
import { didYouMean } from '../schema/did-you-mean.js';

/**
 * The metrics a check's samples record, which rules read (`p95(web.health.latency, 5m)`): latency,
 * its named values, and `cert_expires_in_days` when it reads a certificate. `open` when a run may add
 * names (a query's columns).
 */
export function metricsOf(kind: string, options: unknown): { names: string[]; open: boolean } {
  const shape = shapeOf(kind, options);
  if (!shape) return { names: [], open: true };
  const names = [
    'latency',
    ...shape.values,
    ...(shape.fields.includes('cert') ? ['cert_expires_in_days'] : []),
  ];
  return { names, open: shape.openValues === true };
}

function shapeOf(kind: string, options: unknown): ResultShape | undefined {
  return (checkKinds as Readonly<Record<string, CheckKindDefinition>>)[kind]?.produces(options);
}

/** A condition's read of something its check's kind never fills, at `column` of the condition's text. */
export interface UnfilledRead {
  message: string;
  column: number;
  hint: string;
}

/**
 * What a condition reads that a check of this kind never fills (`restarts` on docker, `status` on tcp,
 * `[DOMAIN_EXPIRATION]` anywhere): against a real target such a check is red forever, so `validate`
 * refuses it at the condition, with the name the user most likely meant. Undefined for an unknown kind.
 */
export function unfilledReader(
  kind: string,
  options: unknown,
): ((condition: ParsedCondition) => UnfilledRead[]) | undefined {
  const shape = shapeOf(kind, options);
  if (!shape) return undefined;
  return (condition) => {
    const out: UnfilledRead[] = [];
    for (const read of readsOf(condition.expr)) {
      // A captured value is the suite's, not the check's: the smoke schema judges those reads.
      if (read.type === 'context' || read.type === 'run') continue;
      const name = read.type === 'field' ? read.as : read.name;
      if (read.type === 'field' && (read.field === 'latency' || shape.fields.includes(read.field))) continue;
      if (read.type === 'value' && (shape.openValues || shape.values.includes(read.name))) continue;
      // Only a refused read lists the names, so a file whose conditions all hold builds nothing here.
      const known = [...shape.fields, 'latency', ...shape.values];
      const guess = didYouMean(name.replace(/^\[|\]$/g, '').toLowerCase(), known);
      out.push({
        message: `${kind} checks never fill ${name}, so this condition could never pass`,
        column: Math.max(0, condition.source.indexOf(name)),
        hint: [guess, `${kind} results have ${known.join(', ')}`].filter(Boolean).join('; '),
      });
    }
    return out;
  };
}
