import type { Command } from 'commander';
import { registerJobs } from './jobs.js';
import { registerQueue } from './queue.js';
import { registerServe } from './serve.js';
import { registerToken } from './token.js';

/** Each verb registers itself on the program; adding a verb is one file and one line here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerServe, registerJobs, registerQueue, registerToken];
