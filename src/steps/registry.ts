import { approveStep } from './approve.js';
import { backupStep } from './backup.js';
import { checkStep } from './check.js';
import { deployStep } from './deploy.js';
import { httpStep } from './http.js';
import { logsStep } from './logs.js';
import { notifyStep } from './notify.js';
import { rebuildStep } from './rebuild.js';
import { redeployStep } from './redeploy.js';
import { restartStep } from './restart.js';
import { restoreStep } from './restore.js';
import { rollbackStep } from './rollback.js';
import { scaleStep } from './scale.js';
import { shellStep } from './shell.js';
import { smokeStep } from './smoke.js';
import { startStep } from './start.js';
import { stopStep } from './stop.js';
import type { StepKindDefinition } from './types.js';
import { waitStep } from './wait.js';

/** Every step kind, by the key that selects it in a runbook. Adding one is one file and one line here. */
export const stepKinds = {
  check: checkStep,
  logs: logsStep,
  restart: restartStep,
  stop: stopStep,
  start: startStep,
  rebuild: rebuildStep,
  redeploy: redeployStep,
  scale: scaleStep,
  wait: waitStep,
  backup: backupStep,
  restore: restoreStep,
  smoke: smokeStep,
  shell: shellStep,
  http: httpStep,
  approve: approveStep,
  notify: notifyStep,
  deploy: deployStep,
  rollback: rollbackStep,
} as const satisfies Record<string, StepKindDefinition>;

export type StepKind = keyof typeof stepKinds;
