import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** This machine: CPU %, memory %, disk % of a path, load. */
export const hostCheck = definePlugin({
  kind: 'host',
  description: 'this machine: CPU %, memory %, disk % of a path, load',
  options: z.strictObject({ disk: z.string().default('/') }),
});
