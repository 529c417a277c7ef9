import { describe, expect, it } from 'vitest';
import { interpolate, MAX_INTERPOLATION_NESTING } from '../../src/config/interpolate.js';

const env: Record<string, string> = { SET: 'value', EMPTY: '', HOST: 'db', PORT: '5432' };
const lookup = (name: string) => env[name];

describe("interpolation follows Docker Compose's rules", () => {
  it.each([
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['pre-${SET}-post', 'pre-value-post'],
    ['postgres://${HOST}:${PORT}/app', 'postgres://db:5432/app'],
    ['${SET:-default}', 'value'],
    ['${EMPTY:-default}', 'default'],
    ['${UNSET:-default}', 'default'],
    ['${SET-default}', 'value'],
    ['${EMPTY-default}', ''],
    ['${UNSET-default}', 'default'],
    ['${UNSET:-}', ''],
    ['${UNSET:-a b c}', 'a b c'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${UNSET:+alt}', ''],
    ['${SET+alt}', 'alt'],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${SET}}', 'value'],
    ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['${SET:+${HOST}:${PORT}}', 'db:5432'],
    ['$$SET', '$SET'],
    ['cost: $$5', 'cost: $5'],
    ['$${SET}', '${SET}'],
    ['a $ alone', 'a $ alone'],
    ['$1', '$1'],
    ['${SET:?needed}', 'value'],
    ['${EMPTY?needed}', ''],
    ['$UNSET', ''],
    ['${UNSET}', ''],
    ['no variables', 'no variables'],
  ])('%s → %j', (text, expected) => {
    expect(interpolate(text, lookup).value).toBe(expected);
  });

  it('reports variables used without a default that are not set, once each', () => {
    const result = interpolate('${A}-$A-${B:-x}-${C+y}-$D', lookup);
    expect(result.unset).toEqual(['A', 'D']);
    expect(result.names).toEqual(['A', 'B', 'C', 'D']);
    expect(result.errors).toEqual([]);
  });

  it('fails a required variable that is missing, with its message, at the ${', () => {
    expect(interpolate('x ${UNSET:?set the database URL}', lookup).errors).toEqual([
      { message: 'required variable UNSET is not set: set the database URL', offset: 2 },
    ]);
    expect(interpolate('${EMPTY:?}', lookup).errors).toEqual([
      { message: 'required variable EMPTY is empty', offset: 0 },
    ]);
    // Without the colon an empty value is accepted; an unset one is not.
    expect(interpolate('${EMPTY?}', lookup).errors).toEqual([]);
    expect(interpolate('${UNSET?must be set}', lookup).errors[0]?.message).toBe(
      'required variable UNSET is not set: must be set',
    );
    // A message may itself hold variables.
    expect(interpolate('${UNSET:?ask ${HOST}}', lookup).errors[0]?.message).toBe(
      'required variable UNSET is not set: ask db',
    );
  });

  it('fails a malformed reference', () => {
    expect(interpolate('${SET', lookup).errors).toEqual([{ message: 'a ${ has no closing }', offset: 0 }]);
    expect(interpolate('a ${1X}', lookup).errors[0]).toMatchObject({
      offset: 2,
      message: expect.stringContaining('not a variable reference'),
    });
  });

  it('nests ${...} ten levels deep, and refuses the eleventh at its ${, however deep the text goes', () => {
    const nested = (n: number) => `${'${UNSET:-'.repeat(n)}x${'}'.repeat(n)}`;
    expect(interpolate(nested(MAX_INTERPOLATION_NESTING), lookup)).toMatchObject({ value: 'x', errors: [] });
    for (const n of [MAX_INTERPOLATION_NESTING + 1, 3_000, 100_000])
      expect(interpolate(nested(n), lookup).errors).toEqual([
        {
          message: `\${...} nested more than ${MAX_INTERPOLATION_NESTING} levels deep`,
          offset: '${UNSET:-'.length * MAX_INTERPOLATION_NESTING,
          hint: expect.stringContaining('at most 10 deep'),
        },
      ]);
    // Braces that are not ${ (JSON in a default) do not count; $${ is a literal.
    expect(interpolate(`${'${UNSET:-{'.repeat(10)}${'}}'.repeat(10)}`, lookup).errors).toEqual([]);
    expect(interpolate('$${'.repeat(50), lookup).errors).toEqual([]);
  });
});
