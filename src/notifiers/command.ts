import { z } from 'zod';
import { commandLine, duration } from '../config/values.js';
import type { NotifierKindDefinition } from './registry.js';

/** A program that receives the alert as JSON on stdin. */
export const commandNotifier = {
  kind: 'command',
  description: 'a program that receives the alert as JSON on stdin',
  options: z.strictObject({ run: commandLine(), timeout: duration().prefault('30s') }),
} satisfies NotifierKindDefinition;
