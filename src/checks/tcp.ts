import { z } from 'zod';
import { port } from '../config/values.js';
import type { CheckKindDefinition } from './registry.js';

/** A TCP connection to host:port. Fields: connected, latency. */
export const tcpCheck = {
  kind: 'tcp',
  description: 'a TCP connection to host:port: connected, latency',
  options: z.strictObject({ host: z.string().min(1), port: port() }),
} satisfies CheckKindDefinition;
