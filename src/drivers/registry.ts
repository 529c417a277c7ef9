import { composeDriver } from './compose/index.js';
import { dockerDriver } from './docker/index.js';
import { noneDriver } from './none.js';
import { shellDriver } from './shell/index.js';
import { systemdDriver } from './systemd/index.js';

import type { DriverDefinition } from './types.js';

/** Every driver, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const driverKinds = {
  compose: composeDriver,
  docker: dockerDriver,
  systemd: systemdDriver,
  shell: shellDriver,
  none: noneDriver,
} as const satisfies Record<string, DriverDefinition>;

export type DriverKind = keyof typeof driverKinds;
