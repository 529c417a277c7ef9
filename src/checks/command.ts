import { z } from 'zod';
import { commandLine, stringMap } from '../config/values.js';
import { notBuilt } from './not-built.js';
import type { CheckKindDefinition } from './registry.js';

/** Runs a program (a healthcheck script). Fields: exit_code, stdout; a number on stdout is also `value`. */
export const commandCheck = {
  kind: 'command',
  description: 'run a program: exit_code and stdout; a number printed on stdout is value',
  options: z.strictObject({
    /** A string runs through /bin/sh -c; a list runs the program directly. */
    run: commandLine(),
    cwd: z.string().optional(),
    env: stringMap().optional(),
    user: z.string().optional(),
  }),
  defaultExpect: [],
  probe: notBuilt,
} satisfies CheckKindDefinition;
