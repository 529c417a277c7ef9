import { z } from 'zod';
import { definePlugin } from '../config/plugin.js';

/** A TCP connection to host:port. */
export const tcpCheck = definePlugin({
  kind: 'tcp',
  description: 'a TCP connection to host:port',
  options: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
});
