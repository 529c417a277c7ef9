import type { Command } from 'commander';

/** Each verb registers itself on the program; adding a verb is one file and one line here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
