import type { Command } from 'commander';
import { registerAlerts } from './alerts.js';
import { registerBackup } from './backup.js';
import { registerCheck } from './check.js';
import { registerEnv } from './env.js';
import { registerJobs } from './jobs.js';
import { registerNotify } from './notify.js';
import { registerQueue } from './queue.js';
import { registerSchema } from './schema.js';
import { registerServe } from './serve.js';
import { registerSmoke } from './smoke.js';
import { registerStatus } from './status.js';
import { registerToken } from './token.js';
import { registerValidate } from './validate.js';

/** Each verb registers itself on the program; adding a verb is one file and one line here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerValidate,
  registerSchema,
  registerServe,
  registerCheck,
  registerStatus,
  registerAlerts,
  registerNotify,
  registerEnv,
  registerSmoke,
  registerBackup,
  registerJobs,
  registerQueue,
  registerToken,
];
