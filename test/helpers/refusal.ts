import { expect } from 'vitest';
import { DayshiftError } from '../../src/errors.js';

/** The DayshiftError a promise rejects with, to check its code and words; fails when it resolves. */
export async function refusal(work: Promise<unknown>): Promise<DayshiftError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DayshiftError);
  return error as DayshiftError;
}
