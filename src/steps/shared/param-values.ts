import { z } from 'zod';

/** `{{ params.name }}`: a run's parameter, put in a step's options when the step runs. */
export const PARAM_TEMPLATE = /\{\{\s*params\.([A-Za-z][A-Za-z0-9_-]*)\s*\}\}/g;

/**
 * A whole number in a step's options, written as a number or as one `{{ params.name }}` whose value
 * the run checks when it starts (its parameter must be a number: the runbook's params are typed).
 */
export const paramNumber = (min: number) =>
  z.union([
    z.number().int().min(min),
    z
      .string()
      .regex(
        /^\{\{\s*params\.[A-Za-z][A-Za-z0-9_-]*\s*\}\}$/,
        'expected a whole number or {{ params.name }}',
      ),
  ]);
