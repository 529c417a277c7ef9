/**
 * The one process runner: every program Dayshift runs (a command check, a notify command, a backup
 * hook, a drill's `command:`, the dump tools, restic) goes through it.
 */
export { commandOf, describeEnd, programOf, shellExitCode } from './describe.js';
export { runProcess, streamProcess } from './run-process.js';
export type { ProcessCommand, ProcessOptions, ProcessOutcome, StreamingProcess } from './types.js';
