import { connect } from 'node:net';
import { z } from 'zod';
import { port } from '../schema/values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({ host: z.string().min(1), port: port() });
type TcpOptions = z.output<typeof options>;

/** A TCP connection to host:port. Fields: connected, latency (the time to connect), and Gatus's [IP]. */
export const tcpCheck = {
  kind: 'tcp',
  description: 'a TCP connection to host:port: connected, latency',
  options,
  defaultExpect: ['connected == true'],
  produces: () => ({ fields: ['connected', 'ip'], values: [] }),
  probe: probeTcp,
} satisfies CheckKindDefinition<TcpOptions>;

function probeTcp(o: TcpOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: o.host, port: o.port, signal: context.signal });
    socket.once('connect', () => {
      const latencyMs = performance.now() - started;
      const ip = socket.remoteAddress;
      socket.destroy();
      resolve({ subject: { connected: true, latencyMs, ...(ip ? { ip } : {}) } });
    });
    socket.once('error', (error) => {
      resolve({
        subject: { connected: false },
        error: `could not connect to ${o.host}:${o.port}: ${error.message}`,
      });
    });
  });
}
