import { ownValue } from '../util/own.js';
import { certFileCheck } from './cert-file.js';
import { commandCheck } from './command.js';
import { dnsCheck } from './dns.js';
import { dockerCheck } from './docker.js';
import { heartbeatCheck } from './heartbeat.js';
import { hostCheck } from './host.js';
import { httpCheck } from './http.js';
import { mysqlCheck } from './mysql.js';
import { postgresCheck } from './postgres.js';
import { redisCheck } from './redis.js';
import { sqlCheck } from './sql.js';
import { tcpCheck } from './tcp.js';
import { tlsCheck } from './tls.js';
import type { CheckKindDefinition, PushCapability } from './types.js';

/** Every check kind, by the key that selects it in dayshift.yaml. Adding one is one file and one line here. */
export const checkKinds = {
  http: httpCheck,
  tcp: tcpCheck,
  tls: tlsCheck,
  cert_file: certFileCheck,
  dns: dnsCheck,
  postgres: postgresCheck,
  mysql: mysqlCheck,
  redis: redisCheck,
  sql: sqlCheck,
  command: commandCheck,
  host: hostCheck,
  docker: dockerCheck,
  heartbeat: heartbeatCheck,
} as const satisfies Record<string, CheckKindDefinition>;

export type CheckKind = keyof typeof checkKinds;

/**
 * How a kind's checks are pushed to (their job pings a URL), or undefined for a kind that is probed.
 * Features ask this instead of knowing which kinds are pushed.
 */
export function pushCapabilityOf(kind: string): PushCapability | undefined {
  return ownValue<CheckKindDefinition>(checkKinds, kind)?.pushed;
}

/** Whether a check of this kind, with these options, sees a certificate whose expiry is exported. */
export function seesCertificate(kind: string, options: unknown): boolean {
  return ownValue<CheckKindDefinition>(checkKinds, kind)?.certificate?.(options) ?? false;
}

/** Whether checks of this kind are pushed to rather than probed. */
export function isPushed(kind: string): boolean {
  return pushCapabilityOf(kind) !== undefined;
}
